"""Turn an upload (path, file object or bytes) into validated UTF-8 bytes.

Steps, each of which can fail with a clear whole-file error (:class:`FileError`):

1. read at most ``max_bytes + 1`` raw bytes (a larger upload is rejected);
2. sniff magic bytes: gzip is stream-decompressed with a hard cap on the
   decompressed size (a gzip bomb is never fully inflated); ZIP/XLSX, XLS,
   bzip2, xz, zstd, 7z and PDF are rejected with a hint;
3. detect the encoding: UTF-8 BOM is dropped, UTF-16 with BOM is transcoded to
   UTF-8, UTF-32 is rejected, everything else must be valid UTF-8 (Latin-1 /
   Windows-1252 bytes are rejected with the line of the first bad byte);
4. NUL bytes (binary content, or UTF-16 without BOM) are rejected.
"""
from __future__ import annotations

import codecs
import os
import zlib
from dataclasses import dataclass

CHUNK = 1 << 16


class FileError(Exception):
    """A problem with the upload as a whole (reported as one error, line None)."""


@dataclass
class Source:
    data: bytes            # UTF-8 without BOM
    encoding: str          # "utf-8", "utf-8-sig", "utf-16"
    compression: str | None  # None or "gzip"
    raw_bytes: int


def _mb(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def line_of(data: bytes, pos: int) -> int:
    """1-based physical line (LF, CRLF or bare CR endings) containing byte ``pos``."""
    head = data[:pos]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def read_raw(src, max_bytes: int) -> bytes:
    if isinstance(src, (bytes, bytearray, memoryview)):
        raw = bytes(src)
        if len(raw) > max_bytes:
            raise FileError(f"file is larger than the upload limit of {_mb(max_bytes)}")
        return raw
    if isinstance(src, (str, os.PathLike)):
        with open(src, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise FileError(f"file is larger than the upload limit of {_mb(max_bytes)}")
            return _read_capped(fh, max_bytes)
    return _read_capped(src, max_bytes)


def _read_capped(fh, max_bytes: int) -> bytes:
    parts = []
    total = 0
    while True:
        chunk = fh.read(min(CHUNK * 16, max_bytes + 1 - total))
        if not chunk:
            break
        if isinstance(chunk, str):
            raise TypeError("file object must be opened in binary mode")
        parts.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise FileError(f"file is larger than the upload limit of {_mb(max_bytes)}")
    return b"".join(parts)


MAX_GZIP_MEMBERS = 100_000  # bgzip/pigz write one member per 64 KB: ~6 GB of CSV
_FIRST_FEED = 512


def _bomb(cap: int) -> FileError:
    return FileError(f"decompressed size exceeds the limit of {_mb(cap)} (file too large or a compression bomb)")


def gunzip_capped(raw: bytes, cap: int, max_members: int = MAX_GZIP_MEMBERS) -> bytes:
    """Stream-decompress (possibly multi-member) gzip, never producing more than
    cap+1 bytes nor reading more than ``max_members`` members.

    Time is linear in the input: the input is walked by offset through a
    memoryview (never copied), and each member starts with a small read that
    doubles up to CHUNK, so the bytes zlib copies into ``unused_data`` when a
    member ends are at most twice that member's own size (plus 512)."""
    view = memoryview(raw)
    size = len(raw)
    out = bytearray()
    pos = 0  # offset of the first input byte not yet given to zlib
    members = 0
    try:
        while True:
            members += 1
            if members > max_members:
                raise FileError(f"gzip file has more than {max_members:,} members (concatenated .gz parts); "
                                "compress the CSV as one gzip stream (e.g. gzip file.csv)")
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            feed = _FIRST_FEED
            while not d.eof:
                if pos >= size:
                    raise FileError("gzip data is truncated (incomplete .gz file)")
                pending = view[pos:pos + feed]
                pos += len(pending)
                feed = min(feed * 2, CHUNK)
                while pending:
                    out += d.decompress(pending, cap + 1 - len(out))
                    if len(out) > cap:
                        raise _bomb(cap)
                    if d.eof:
                        break
                    pending = d.unconsumed_tail
            pos -= len(d.unused_data)  # bytes after this member's end go to the next one
            if view[pos:pos + 2] == b"\x1f\x8b":
                continue  # another member
            if raw.count(0, pos) == size - pos:
                return bytes(out)  # end of file, or NUL padding (as some tools write)
            raise FileError("unexpected data after the end of the gzip stream")
    except zlib.error as exc:
        raise FileError(f"gzip data is corrupt ({exc})") from None


_REJECT_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive or Excel .xlsx workbook"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel .xls workbook"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"(\xb5/\xfd", "a zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"%PDF-", "a PDF document"),
)


def load(src, limits) -> Source:
    raw = read_raw(src, limits.max_bytes)
    compression = None
    data = raw
    if raw[:2] == b"\x1f\x8b":
        compression = "gzip"
        data = gunzip_capped(raw, limits.max_decompressed_bytes, limits.max_gzip_members)
        if data[:2] == b"\x1f\x8b":
            raise FileError("file is compressed twice (gzip inside gzip); upload a .csv or .csv.gz")
    for magic, what in _REJECT_MAGIC:
        if data.startswith(magic):
            raise FileError(f"file looks like {what}, not a CSV text file; "
                            "please export it as CSV (comma-separated, UTF-8)")

    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        raise FileError("UTF-32 encoded files are not supported; please save the file as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
        data = data[3:]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileError(f"file starts with a UTF-16 byte-order mark but is not valid "
                            f"UTF-16 ({exc.reason} at byte {exc.start})") from None
        data = text.encode("utf-8")
        if len(data) > limits.max_decompressed_bytes:
            raise FileError(f"decoded size exceeds the limit of {_mb(limits.max_decompressed_bytes)}")

    nul = data.find(b"\x00")
    if nul != -1:
        sample = data[:4096]
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = max(1, len(sample) // 2)
        if max(even_nuls, odd_nuls) > 0.3 * half:
            raise FileError("file looks like UTF-16 text without a byte-order mark; "
                            "please save it as UTF-8 (CSV UTF-8)")
        raise FileError(f"file contains binary data (NUL byte on line {line_of(data, nul)}); "
                        "upload a CSV text file")

    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = data[exc.start:exc.start + 1].hex().upper()
            raise FileError(
                f"file is not valid UTF-8 (byte 0x{bad} on line {line_of(data, exc.start)}); "
                "it is probably Latin-1/Windows-1252 — please save it as 'CSV UTF-8'") from None
    return Source(data=data, encoding=encoding, compression=compression, raw_bytes=len(raw))
