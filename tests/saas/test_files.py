"""The one guarded reader of the files users send (saas/files.py, issue 16 finding 5): the plan's
upload limit from the declared size before reading, and on the bytes read when a file lies about
its size; text decoded as it is read."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest

from tests.conftest import in_tenant, provision


@pytest.fixture(scope="module")
def workspace(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return provision("files", plan="free")


@pytest.fixture
def limit_100(monkeypatch):
    from billing import plans

    monkeypatch.setitem(plans.PLANS, "free", replace(plans.PLANS["free"], max_upload_bytes=100))


class Declared(io.BytesIO):
    def __init__(self, data: bytes, size: int):
        super().__init__(data)
        self.size = size


def test_declared_size_over_the_plan_is_refused_before_reading(workspace, limit_100):
    from saas.errors import QuotaExceeded
    from saas.files import file_chunks, file_head, file_text

    for read in (file_chunks, lambda f: file_head(f, max_bytes=10), file_text):
        f = Declared(b"x" * 500, size=500)
        with in_tenant(workspace), pytest.raises(QuotaExceeded) as exc:
            read(f)
        assert exc.value.status == 413 and exc.value.details["limit"] == "upload_bytes"
        assert exc.value.details["plan"] == "free" and exc.value.details["upgrade_to"] == "pro"
        assert f.tell() == 0  # not a byte read


def test_a_file_lying_about_its_size_is_cut_off_at_the_limit(workspace, limit_100):
    from saas.errors import QuotaExceeded
    from saas.files import file_chunks, file_text

    with in_tenant(workspace):
        with pytest.raises(QuotaExceeded):
            list(file_chunks(Declared(b"x" * 500, size=10), chunk_size=30))
        with pytest.raises(QuotaExceeded):
            file_text(io.BytesIO(b"a,b\n" * 100)).read()
        assert b"".join(file_chunks(io.BytesIO(b"x" * 100), chunk_size=30)) == b"x" * 100  # at the limit: fine


def test_text_is_decoded_line_by_line(workspace):
    from saas.files import file_text

    with in_tenant(workspace):
        text = file_text(io.BytesIO("\ufeffStore,Dept\r\n1,é\n".encode()))
        assert text.readline() == "Store,Dept\r\n" and text.readline() == "1,é\n"
        with pytest.raises(UnicodeDecodeError):
            file_text(io.BytesIO(b"ok\n\xff\xfe\n")).read()
