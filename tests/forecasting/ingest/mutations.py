"""Generated bad and odd upload files: mutations of real-looking sales,
features and stores files (truncations, encodings, separators, quotes, huge
fields, wrong types, duplicate keys, compressed junk, ...). Deterministic
for a seed. Used by bench/fuzz_uploads.py (1,000+ files through the real
worker) and by the suite's shorter pass."""
from __future__ import annotations

import gzip
import random
import zipfile
from io import BytesIO

from tests.forecasting.ingest.make_corpus import FEAT_HDR, FEAT_ROWS, SALES_HDR, SALES_ROWS, STORES_HDR, STORES_ROWS

BASES = {
    "sales": [SALES_HDR, *SALES_ROWS],
    "features": [FEAT_HDR, *FEAT_ROWS],
    "stores": [STORES_HDR, *STORES_ROWS],
}
JUNK = ["", " ", "NA", "null", "-", "1e309", "nan", "inf", "-0", "0x1F", "１２", "2010-13-45", "TRUE", "=1+1",
        "\"", "\"\"", "'", "\x00", "\u202e", "😀", "9" * 40, "-1", "3.5", "2010/02/05", "05-02-2010", "a,b"]


def _mutate_cell(rng: random.Random, lines: list[str]) -> list[str]:
    i = rng.randrange(1, len(lines))
    cells = lines[i].split(",")
    cells[rng.randrange(len(cells))] = rng.choice(JUNK)
    return [*lines[:i], ",".join(cells), *lines[i + 1:]]


def _ops(rng: random.Random, lines: list[str]) -> tuple[str, bytes]:
    """One mutation: (label, file bytes)."""
    op = rng.choice(["cell", "cell2", "truncate", "encoding", "separator", "quotes", "huge", "dupkey", "drop_col",
                     "extra_col", "header", "blank", "crlf", "bom", "gzip_junk", "gzip_trunc", "zip", "binary",
                     "shuffle", "only_header", "nul"])
    text_lines = list(lines)
    if op in ("cell", "cell2"):
        for _ in range(1 if op == "cell" else rng.randint(2, 6)):
            text_lines = _mutate_cell(rng, text_lines)
        return op, ("\n".join(text_lines) + "\n").encode("utf-8", "surrogatepass")
    data = ("\n".join(text_lines) + "\n").encode()
    if op == "truncate":
        return op, data[: rng.randrange(0, len(data))]
    if op == "encoding":
        enc = rng.choice(["utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32"])
        return f"{op}:{enc}", ("\n".join(text_lines) + "\n").encode(enc, "replace")
    if op == "separator":
        sep = rng.choice([";", "\t", "|", " ", ", "])
        return op, "\n".join(ln.replace(",", sep) for ln in text_lines).encode()
    if op == "quotes":
        i = rng.randrange(len(text_lines))
        text_lines[i] = rng.choice(['"' + text_lines[i], text_lines[i] + '"', text_lines[i].replace(",", '","'),
                                    '"' + text_lines[i].replace(",", '"",""') + '"'])
        return op, ("\n".join(text_lines) + "\n").encode()
    if op == "huge":
        i = rng.randrange(1, len(text_lines))
        cells = text_lines[i].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(["x", "9", "\"a"]) * rng.choice([10_000, 200_000])
        text_lines[i] = ",".join(cells)
        return op, ("\n".join(text_lines) + "\n").encode()
    if op == "dupkey":
        i = rng.randrange(1, len(text_lines))
        return op, ("\n".join([*text_lines, text_lines[i]]) + "\n").encode()
    if op in ("drop_col", "extra_col"):
        col = rng.randrange(len(text_lines[0].split(",")))
        out = []
        for ln in text_lines:
            cells = ln.split(",")
            if op == "drop_col":
                cells.pop(min(col, len(cells) - 1))
            else:
                cells.insert(col, rng.choice(["x", "1", ""]))
            out.append(",".join(cells))
        return op, ("\n".join(out) + "\n").encode()
    if op == "header":
        hdr = text_lines[0].split(",")
        j = rng.randrange(len(hdr))
        hdr[j] = rng.choice([hdr[j].upper(), hdr[j] + " ", "", hdr[(j + 1) % len(hdr)], "Wëekly"])
        return op, ("\n".join([",".join(hdr), *text_lines[1:]]) + "\n").encode()
    if op == "blank":
        i = rng.randrange(1, len(text_lines) + 1)
        return op, ("\n".join([*text_lines[:i], "", ",,,", *text_lines[i:]]) + "\n").encode()
    if op == "crlf":
        return op, ("\r\n".join(text_lines) + rng.choice(["\r\n", "\r", ""])).encode()
    if op == "bom":
        return op, b"\xef\xbb\xbf" + data
    if op == "gzip_junk":
        return op, gzip.compress(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 2000))))
    if op == "gzip_trunc":
        packed = gzip.compress(data)
        return op, packed[: rng.randrange(1, len(packed))]
    if op == "zip":
        buf = BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("sales.csv", data)
        return op, buf.getvalue()
    if op == "binary":
        return op, bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))
    if op == "shuffle":
        body = text_lines[1:]
        rng.shuffle(body)
        return op, ("\n".join([text_lines[0], *body]) + "\n").encode()
    if op == "only_header":
        return op, (text_lines[0] + rng.choice(["", "\n", "\n\n"])).encode()
    # "nul"
    i = rng.randrange(len(data))
    return op, data[:i] + b"\x00" + data[i:]


def generate(n: int, seed: int = 0):
    """Yields (name, kind_or_None, bytes, label) for n mutated files."""
    rng = random.Random(seed)
    for i in range(n):
        kind = rng.choice(list(BASES))
        label, data = _ops(rng, BASES[kind])
        ext = ".csv.gz" if label.startswith("gzip") else rng.choice([".csv", ".csv", ".txt"])
        declared = kind if rng.random() < 0.5 else None
        yield f"fuzz{i:05d}-{label.replace(':', '-')}{ext}", declared, data, label
