"""A store-restricted principal may upload only rows of its stores: otherwise
the whole file is refused, its report naming each row outside the scope."""
from __future__ import annotations

import numpy as np

from accounts.scope import StoreScope


def upload_scope(upload) -> StoreScope:
    """The scope of whoever sent the upload (a key, else a member; neither: the system)."""
    principal = upload.created_by_key or upload.created_by
    return StoreScope.all() if principal is None else StoreScope.for_principal(principal)


def out_of_scope_errors(*, scope: StoreScope, result, limit: int = 1000) -> tuple[list[dict], int]:
    """(errors, count) for the parsed rows whose store is outside ``scope``;
    ([], 0) when every row is allowed."""
    frame = result.frame
    if not scope.restricted or frame is None or "store" not in frame:
        return [], 0
    stores = frame["store"].to_numpy()
    bad = np.flatnonzero(~np.isin(stores, np.array(sorted(scope.stores))))
    if not len(bad):
        return [], 0
    lines = result.lines if result.lines is not None else np.arange(len(frame)) + 2  # header = line 1
    column = result.column_map.get("store", "Store")
    allowed = ", ".join(map(str, sorted(scope.stores)))
    errors = [{"line": int(lines[p]), "column": column, "value": str(int(stores[p])),
               "reason": f"store {int(stores[p])} is outside your access (you may upload stores {allowed})"}
              for p in bad[:limit]]
    return errors, int(len(bad))
