"""The retailer's own covariates (``Covariate`` / ``CovariateSpec``, issue 17 item 3) as a store's page
shows them: each covariate that bears on the store, by period. A series' covariate (a product's price at
the store) is averaged over the store's items; a location's is the store's own; a calendar one (both keys
0, e.g. the oil price) is the same for every store. An item's covariate is not a store's: left out."""
from __future__ import annotations

from django.db import connection

from forecasting.models import CovariateSpec

OF_STORE = {"series": "average over its {items}", "location": "the {location}'s own", "calendar": "every {location}'s"}


def store_covariates(*, store: int, words) -> list[dict]:
    """[{name, kind, kind_label, level, how, points: [{date, value}]}] in name order, with the covariates that have no
    value for this store yet (points empty), so a page can name them."""
    specs = list(CovariateSpec.objects.filter(level__in=OF_STORE).values_list("name", "kind", "level"))
    if not specs:
        return []
    with connection.cursor() as cur:
        cur.execute("""SELECT name, date, avg(value) FROM forecasting_covariate
                       WHERE name = ANY(%s) AND ((store = %s AND dept > 0) OR (store = %s AND dept = 0)
                                                 OR (store = 0 AND dept = 0))
                       GROUP BY name, date ORDER BY name, date""", [[n for n, _, _ in specs], store, store])
        rows = cur.fetchall()
    points: dict[str, list[dict]] = {}
    for name, day, value in rows:
        points.setdefault(name, []).append({"date": day.isoformat(), "value": float(value)})
    names = {"items": words.items.lower(), "location": words.location.lower()}
    labels = dict(CovariateSpec.Kind.choices)
    return [{"name": name, "kind": kind, "kind_label": labels.get(kind, kind).lower(), "level": level,
             "how": OF_STORE[level].format(**names),
             "points": points.get(name, [])} for name, kind, level in specs]
