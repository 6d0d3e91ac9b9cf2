"""CSV files the product writes for users neutralise spreadsheet formulas
(OWASP "CSV injection"): a text cell starting with = + - @ tab or CR gets a
leading apostrophe; numbers stay numbers."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import api_client, in_tenant

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_cell_neutralises_formula_starts(value):
    from saas.csv_safe import safe_cell

    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value,expected", [
    ("plain", "plain"), ("", ""), (None, None), (-49.5, -49.5), (12, 12), ("-49.5", "-49.5"), ("+3", "+3"),
    ("1e-5", "1e-5"), ("a=b", "a=b"), ("-", "'-"), ("-x", "'-x"),
])
def test_safe_cell_keeps_ordinary_values(value, expected):
    from saas.csv_safe import safe_cell

    assert safe_cell(value) == expected


def _csv(resp) -> list[list[str]]:
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode())))


def test_upload_error_report_csv_is_formula_safe(tenant):
    from forecasting.models import Upload

    errors = [{"line": i + 2, "column": "Store", "value": v, "reason": f"{v} is not a whole number"}
              for i, v in enumerate(HOSTILE)]
    errors.append({"line": 9, "column": "=Dept", "value": "-12", "reason": "negative department"})
    with in_tenant(tenant):
        up = Upload.objects.create(original_filename="evil.csv", size=1, sha256="0" * 64, file_path="x",
                                   status=Upload.Status.FAILED, errors=errors, error_count=len(errors))
    rows = _csv(api_client(tenant, key=tenant.admin_key).get(f"/api/v1/uploads/{up.pk}/errors.csv"))
    assert rows[0] == ["line", "column", "value", "reason"]
    for row, value in zip(rows[1:], HOSTILE):
        assert row[2] == "'" + value and row[3] == f"'{value} is not a whole number"
        assert row[0].isdigit()
    assert rows[-1] == ["9", "'=Dept", "-12", "negative department"]


def test_sales_export_keeps_negative_numbers_numeric(tenant):
    import datetime as dt

    from forecasting.models import SalesRecord

    with in_tenant(tenant):
        SalesRecord.objects.create(store=1, dept=1, date=dt.date(2010, 2, 5), sales=-49.5, is_holiday=False)
    rows = _csv(api_client(tenant, key=tenant.admin_key).get("/api/v1/sales/?format=csv"))
    assert rows[1] == ["1", "1", "2010-02-05", "-49.5", "FALSE"]
