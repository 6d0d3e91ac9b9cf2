"""Which reader an upload takes, from its first bytes (issue 17): today's strict reader of Walmart's
layout for a comma-separated file whose header it recognises (every contract of that path holds),
the column mapping for everything else that reads as a retailer's file (other delimiters, XLSX,
Parquet, other headers, and the known layouts that are not Walmart's, e.g. Favorita's stores file,
whose columns that reader would drop). A header no proposal makes sense of keeps the strict reader's
refusal, which names what is missing."""
from __future__ import annotations

import csv
import zlib

from forecasting.ingest.mapping.dialect import read_table
from forecasting.ingest.mapping.layouts import recognise
from forecasting.ingest.mapping.propose import propose
from forecasting.ingest.parsing import detect_kind

SAMPLE_BYTES = 256 * 1024
LEGACY, MAPPED = "legacy", "mapped"


def head(raw: bytes, limit: int = SAMPLE_BYTES) -> bytes:
    """The first ``limit`` bytes of the file's content (a gzip file's decompressed)."""
    if raw[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[: 4 * limit], limit)
        except zlib.error:
            return b""
    return raw[:limit]


def route(raw_head: bytes) -> str:
    if raw_head[:4] in (b"PAR1", b"PK\x03\x04"):
        return MAPPED
    try:
        return _route_text(raw_head)
    except (csv.Error, ValueError, UnicodeError):
        return LEGACY  # what the sniffer cannot read, the strict reader names precisely


def _route_text(raw_head: bytes) -> str:
    sample = head(raw_head)
    if not sample:
        return LEGACY  # the strict reader names what is wrong with the file
    table = read_table(sample)
    if len(table.header) < 2:
        return LEGACY
    known = recognise(table.header)
    if known:
        return LEGACY if known[0].startswith("walmart_") and table.delimiter == "," else MAPPED
    if table.delimiter == "," and detect_kind(table.header):
        return LEGACY
    # a file no proposal makes sense of (no date, no column named like a role) keeps the strict reader's refusal
    proposal = propose(sample)
    named = any(n.endswith(("(its name)", "attribute's name)")) for n in proposal.notes)
    return MAPPED if proposal.kind and (named or "date" in proposal.mapping.roles()) else LEGACY
