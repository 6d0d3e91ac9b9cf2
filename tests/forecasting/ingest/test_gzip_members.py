"""Multi-member gzip (issue 10, section 2): decompression is linear in the file
size (the remaining buffer is never copied per member) and the member count is
capped with a clear error in the upload report. No timings here: the figures
are in bench/gzip_members.py."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib

import pytest

from forecasting.ingest.parsing import ParseLimits, parse_upload
from forecasting.ingest.source import FileError, gunzip_capped

HDR = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n"
EMPTY_MEMBER = gzip.compress(b"", mtime=0)


def _rows(n: int) -> list[bytes]:
    start = dt.date(2010, 2, 5)
    return [f"{1 + i // 1000},{1 + i % 1000 // 10},{start + dt.timedelta(weeks=i % 10)},{i}.5,FALSE\n".encode()
            for i in range(n)]


def test_many_empty_members_hit_the_member_cap_with_a_clear_report():
    cap = ParseLimits().max_gzip_members
    data = gzip.compress(HDR + b"1,1,2010-02-05,1,FALSE\n", mtime=0) + EMPTY_MEMBER * cap
    res = parse_upload(io.BytesIO(data), "sales.csv.gz")
    assert not res.ok and res.error_count == 1 and res.errors[0]["line"] is None
    reason = res.errors[0]["reason"]
    assert "gzip" in reason and f"{cap:,}" in reason and "members" in reason, reason


def test_member_cap_counts_members_not_bytes():
    with pytest.raises(FileError, match="more than 3 members"):
        gunzip_capped(EMPTY_MEMBER * 4, 1 << 20, max_members=3)
    assert gunzip_capped(EMPTY_MEMBER * 3, 1 << 20, max_members=3) == b""


def test_large_legit_multi_member_file_decompresses_exactly():
    """Like pigz/bgzip output: many members of up to 64 KB each, a few MB in all,
    with empty members and NUL padding at the end (as bgzip writes)."""
    rows = _rows(150_000)
    body = HDR + b"".join(rows)
    parts, step = [], 30_000  # bytes of CSV per member, cut anywhere (mid-line too)
    for i in range(0, len(body), step):
        parts.append(gzip.compress(body[i:i + step], compresslevel=1, mtime=0))
        if i % (10 * step) == 0:
            parts.append(EMPTY_MEMBER)
    data = b"".join(parts) + EMPTY_MEMBER + b"\x00" * 512
    assert len(parts) > 100 and len(data) > 500_000
    assert gunzip_capped(data, 10 * len(body)) == body
    res = parse_upload(io.BytesIO(data), "big.csv.gz", limits=ParseLimits(max_decompressed_bytes=10 * len(body)))
    assert res.ok, res.errors[:3]
    assert len(res.frame) == 150_000 and res.stats["compression"] == "gzip"


def test_members_larger_than_the_read_chunk_and_single_byte_members():
    big = bytes(range(256)) * 2000  # 512 KB: poorly compressible enough to span many reads
    tiny = [gzip.compress(bytes([b]), mtime=0) for b in b"abc"]
    data = gzip.compress(big, compresslevel=0, mtime=0) + b"".join(tiny) + gzip.compress(big, mtime=0)
    assert gunzip_capped(data, 4 * len(big)) == big + b"abc" + big


@pytest.mark.parametrize("tail,message", [
    (b"garbage", "unexpected data after the end"),
    (EMPTY_MEMBER[:10], "truncated"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 6 + b"\xff\xff\xff", "corrupt"),
])
def test_bad_tails_after_members(tail, message):
    data = gzip.compress(HDR, mtime=0) * 3 + tail
    with pytest.raises(FileError, match=message):
        gunzip_capped(data, 1 << 20)


def test_decompressed_cap_applies_across_members():
    member = gzip.compress(b"x" * 100_000, mtime=0)
    with pytest.raises(FileError, match="decompressed size exceeds"):
        gunzip_capped(member * 20, 1_000_000)
    assert gunzip_capped(member * 10, 1_000_000) == b"x" * 1_000_000


def test_raw_deflate_is_not_gzip():
    with pytest.raises(FileError):
        gunzip_capped(b"\x1f\x8b" + zlib.compress(b"abc"), 1 << 20)
