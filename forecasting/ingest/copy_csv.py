"""Normalised frames serialised for PostgreSQL's ``COPY ... FROM STDIN WITH
(FORMAT csv)``; used by the loader (forecasting/services/uploads.py)."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from .columns import COLUMNS, KINDS
from .errors import IngestError

#: Column order of :func:`to_copy_csv` output (and of the normalised frames).
COPY_COLUMNS = COLUMNS

def to_copy_csv(frame: pd.DataFrame, kind: str, header: bool = False) -> io.BytesIO:
    """Serialise a normalised frame for ``COPY table (cols) FROM STDIN WITH (FORMAT csv)``.

    Column order is ``COPY_COLUMNS[kind]``:

    * sales: store,dept,date,sales,is_holiday
    * features: store,date,temperature,fuel_price,markdown1..markdown5,cpi,unemployment,is_holiday
    * stores: store,type,size,name,latitude,longitude

    Dates are ``YYYY-MM-DD``; booleans ``t``/``f``; missing values (NaN / None)
    are empty unquoted fields (COPY's default NULL in CSV format); floats are
    written with full round-trip precision; text is quoted when needed.  No
    header row unless ``header=True`` (then use ``HEADER true`` in COPY).
    Returns a BytesIO positioned at 0 (UTF-8).
    """
    if kind not in KINDS:
        raise IngestError(f"kind must be one of {KINDS}, not {kind!r}")
    cols = COPY_COLUMNS[kind]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise IngestError(f"frame lacks column(s) {missing} for kind {kind!r}")
    data: dict[str, object] = {}
    for c in cols:
        v = frame[c]
        if c == "is_holiday":
            v = np.where(v.to_numpy(dtype=bool), "t", "f")
        elif c == "date":  # few distinct weeks: format each once
            codes, uniq = pd.factorize(v)
            v = np.asarray(pd.DatetimeIndex(uniq).strftime("%Y-%m-%d"), dtype=object)[codes]
        else:
            v = v.to_numpy()
        data[c] = v
    out = pd.DataFrame(data, columns=list(cols))
    buf = io.BytesIO()
    out.to_csv(buf, index=False, header=header, lineterminator="\n", encoding="utf-8", na_rep="")
    buf.seek(0)
    return buf


def iter_copy_csv(frame: pd.DataFrame, kind: str, chunk_rows: int = 100_000):
    """Like :func:`to_copy_csv` but yields ``bytes`` chunks of at most ``chunk_rows`` rows
    (for streaming into ``cursor.copy_expert`` / ``cursor.copy`` with bounded memory)."""
    if chunk_rows < 1:
        raise IngestError("chunk_rows must be >= 1")
    for start in range(0, len(frame), chunk_rows):
        yield to_copy_csv(frame.iloc[start:start + chunk_rows], kind).getvalue()
