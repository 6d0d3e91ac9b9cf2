"""Multi-member gzip decompression: time against the number of members.

A .csv.gz of N empty gzip members (20 bytes each) through the upload's
decompressor (forecasting/ingest/source.py) and, in the same run, through the
previous algorithm (which copied the rest of the buffer at every member end:
quadratic). The new one is linear: time per member stays flat as N grows, and
beyond MAX_GZIP_MEMBERS the file is refused. Also a legit ~66 MB CSV cut into
64 KB members (as bgzip/pigz write) against a single-member file of the same CSV.

Run: .venv/bin/python bench/gzip_members.py [--max-baseline 40000] [--quick]
(--quick: 1,000-4,000 members and one just past the cap, a 2 MB CSV; seconds.)
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from forecasting.ingest.source import MAX_GZIP_MEMBERS, FileError, gunzip_capped  # noqa: E402

EMPTY = gzip.compress(b"", mtime=0)


def baseline(raw: bytes, cap: int) -> bytes:
    """The decompressor before the fix (copied from git history), members uncapped."""
    out, view, pos = bytearray(), memoryview(raw), 0
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = b""
    while True:
        if not pending:
            if pos >= len(view):
                break
            pending = view[pos:pos + 65536]
            pos += len(pending)
        out += d.decompress(pending, cap + 1 - len(out))
        pending = d.unconsumed_tail
        if d.eof:
            rest = bytes(d.unused_data) + bytes(view[pos:])
            if not rest.strip(b"\x00"):
                return bytes(out)
            view, pos, pending = memoryview(rest), 0, b""
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    return bytes(out)


def timed(fn, *args) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        fn(*args)
        outcome = "ok"
    except FileError as exc:
        outcome = f"refused: {str(exc)[:48]}…"
    return time.perf_counter() - start, outcome


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-baseline", type=int, default=40_000, help="largest N also run through the old code")
    ap.add_argument("--quick", action="store_true", help="small sizes, seconds (a smoke run, no target)")
    args = ap.parse_args()
    sizes = (1_000, 2_000, 4_000, MAX_GZIP_MEMBERS + 1) if args.quick else (
        10_000, 20_000, 40_000, MAX_GZIP_MEMBERS, 2_500_000)
    csv_rows = 60_000 if args.quick else 2_000_000
    cap = 1 << 30
    print(f"{'members':>10} {'size':>9} {'new (s)':>9} {'µs/member':>10} {'old (s)':>9}  outcome (new)")
    for n in sizes:
        raw = EMPTY * n
        t_new, outcome = timed(gunzip_capped, raw, cap)
        t_old = f"{timed(baseline, raw, cap)[0]:9.2f}" if n <= args.max_baseline else f"{'-':>9}"
        per = t_new / min(n, MAX_GZIP_MEMBERS + 1) * 1e6
        print(f"{n:>10,} {len(raw) / 1e6:>7.1f}MB {t_new:>9.3f} {per:>10.2f} {t_old}  {outcome}")

    body = b"".join(f"{i % 45 + 1},{i % 99 + 1},2010-02-05,{i}.25,FALSE\n".encode() for i in range(csv_rows))
    single = gzip.compress(body, compresslevel=1, mtime=0)
    blocks = b"".join(gzip.compress(body[i:i + 65536], compresslevel=1, mtime=0) for i in range(0, len(body), 65536))
    n_blocks = -(-len(body) // 65536)
    t_single, _ = timed(gunzip_capped, single, cap)
    t_blocks, _ = timed(gunzip_capped, blocks, cap)
    t_zlib = time.perf_counter()
    gzip.decompress(blocks)
    t_zlib = time.perf_counter() - t_zlib
    print(f"\n{len(body) / 1e6:.1f} MB CSV: 1 member {t_single:.3f} s; {n_blocks:,} members of 64 KB {t_blocks:.3f} s; "
          f"stdlib gzip.decompress (no caps) {t_zlib:.3f} s")


if __name__ == "__main__":
    main()
