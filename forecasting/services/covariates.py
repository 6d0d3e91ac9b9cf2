"""The retailer's own covariates (issue 17 item 3), stored inside an upload's load transaction
(forecasting/services/mapped_uploads.py): a later file's value for the same covariate, key and period
replaces the earlier one's; each covariate's kind (``known`` or ``past``) and level are the latest file's. A
known covariate is offered as a simulator lever from its first upload (an admin can withdraw it).
The engine for any planning frequency reads them (forecasting/selectors/periodic.py)."""
from __future__ import annotations

import io

from django.db import connection
from django.utils import timezone

from forecasting.ingest.mapping.canonical import Covariates
from forecasting.models import CovariateSpec
from forecasting.services.upload_loading import LoadCounts

_COLUMNS = ("name", "store", "dept", "date", "value")


def covariates_store(cov: Covariates) -> LoadCounts:
    """Inside the caller's transaction: upsert the rows and the specs; (inserted, updated, unchanged)."""
    if not len(cov.frame):
        return LoadCounts(inserted=0, updated=0, unchanged=0)
    buf = io.StringIO()
    out = cov.frame.assign(date=cov.frame["date"].dt.strftime("%Y-%m-%d"))
    out[list(_COLUMNS)].to_csv(buf, index=False, header=False)
    buf.seek(0)
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE _cov (name varchar(64), store integer, dept integer, date date, "
                    "value double precision) ON COMMIT DROP")
        cur.cursor.copy_expert(f"COPY _cov ({', '.join(_COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buf)
        cur.execute("SELECT count(*) FILTER (WHERE c.name IS NULL), "
                    "count(*) FILTER (WHERE c.name IS NOT NULL AND c.value IS DISTINCT FROM t.value) "
                    "FROM _cov t LEFT JOIN forecasting_covariate c USING (name, store, dept, date)")
        inserted, updated = cur.fetchone()
        cur.execute("INSERT INTO forecasting_covariate (name, store, dept, date, value) "
                    "SELECT name, store, dept, date, value FROM _cov "
                    "ON CONFLICT (name, store, dept, date) DO UPDATE SET value = EXCLUDED.value")
        cur.execute("DROP TABLE _cov")
    covariate_specs_save(cov.kinds, cov.level)
    return LoadCounts(inserted=int(inserted), updated=int(updated), unchanged=len(out) - int(inserted) - int(updated))


def covariate_specs_save(kinds: dict[str, str], level: str) -> None:
    """Inside the caller's transaction: each covariate's kind and level are the latest file's."""
    now = timezone.now()
    for name, kind in kinds.items():
        fields = {"kind": kind, "level": level, "updated_at": now}
        # a covariate known ahead is offered to the simulator as a lever until an admin says otherwise
        CovariateSpec.objects.update_or_create(name=name, defaults=fields,
                                               create_defaults={**fields, "lever": kind == "known"})
