"""The one guarded reader of every file a user sends (the data uploads, the
stock on hand, the branding logo): nothing reads an uploaded file otherwise.

* The plan's upload limit (``upload_bytes``, billing/plans.py) is checked from
  the file's declared size before a byte is read, then again on the bytes
  actually read, so a file that lies about its size is cut off as soon as it
  passes the limit: 413 ``quota_exceeded`` naming the limit and the plan that
  lifts it (billing/services.py ``quota_check_value``). A caller may add a
  tighter cap of its own (``max_bytes``, e.g. the logo's 512 KB).
* The file is read in chunks (``file_chunks``) or as a stream of decoded lines
  (``file_text``): the body is never held whole in memory or decoded at once.

The request body itself was already bounded by saas/middleware.py
(``BodySizeLimitMiddleware``: the biggest plan's limit plus the multipart
envelope) before Django spooled it; this reader applies the workspace's own
plan. Restores (tenants/backup.py) are not sent by users: an operator runs them
from a file on the server."""
from __future__ import annotations

import io
from collections.abc import Iterator

from billing.selectors import allowed as plan_allowed
from billing.services import quota_check_value

CHUNK = 1 << 20
LIMIT = "upload_bytes"


class GuardedFile(io.RawIOBase):
    """A read-only binary stream over an uploaded file that refuses to go past the plan's upload limit."""

    def __init__(self, file):
        super().__init__()
        self._file = file
        # an uploaded file (Django's UploadedFile) reads; an object that only yields ``chunks()`` works too
        self._chunks = None if hasattr(file, "read") else iter(file.chunks())
        self._pending = b""
        self._allowed = plan_allowed(LIMIT)
        self.read_bytes = 0
        declared = getattr(file, "size", None)
        if declared is not None:
            self._check(int(declared))  # before reading a byte

    def _check(self, size: int) -> None:
        if size > self._allowed:
            quota_check_value(limit=LIMIT, value=size)  # raises QuotaExceeded (413)

    def readable(self) -> bool:
        return True

    def _pull(self, n: int) -> bytes:
        if self._chunks is None:
            return self._file.read(n)
        while not self._pending:
            self._pending = next(self._chunks, None)
            if self._pending is None:
                self._pending = b""
                return b""
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def readinto(self, buffer) -> int:
        data = self._pull(len(buffer))
        n = len(data)
        self._check(self.read_bytes + n)
        self.read_bytes += n
        buffer[:n] = data
        return n


def file_chunks(file, *, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes, chunk by chunk, within the plan's upload limit (its declared size is checked
    now, before the first chunk is asked for)."""
    guarded = GuardedFile(file)
    return iter(lambda: guarded.read(chunk_size), b"")


def file_head(file, *, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of a small file (e.g. a logo: the caller refuses a file that fills them),
    within the plan's upload limit too."""
    guarded, parts, got = GuardedFile(file), [], 0
    while got < max_bytes and (part := guarded.read(max_bytes - got)):
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def file_text(file, *, encoding: str = "utf-8-sig") -> io.TextIOWrapper:
    """The file as text decoded while it is read (``newline=""``, as the csv module wants), within the
    plan's upload limit. Bytes that are not ``encoding`` raise UnicodeDecodeError when read."""
    return io.TextIOWrapper(io.BufferedReader(GuardedFile(file), buffer_size=64 * 1024), encoding=encoding,
                            errors="strict", newline="")
