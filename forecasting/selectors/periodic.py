"""The inputs of the engine for any planning frequency (forecasting/ml/periodic/) from the workspace's
tables: series keyed by the catalogue's location and item ids (as text: the engine reads codes), the
event days resolved to every location they apply to, the locations' and items' attributes, and the
covariates: Walmart's nine location covariates stored by period (markdowns ``known``: planned ahead; the
others ``past``) and the retailer's own (``Covariate``, their kinds as uploaded); for daily planning, the days
ahead a location is closed, read from its history."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecasting.ingest.mapping.canonical import ENGINE_COVARIATES
from forecasting.ml.periodic.closures import inferred_closures
from forecasting.models import CovariateSpec, Item, Location
from forecasting.selectors.catalog import data_settings
from forecasting.selectors.dataset import copy_frame, training_frames
from forecasting.selectors.events import training_events

KNOWN = {f"markdown{i}" for i in range(1, 6)}


@dataclass
class PeriodicInputs:
    sales: pd.DataFrame  # the stored rows (store, dept, date, sales, is_holiday)
    history: pd.DataFrame  # location, item, date, value
    events: pd.DataFrame | None
    locations: pd.DataFrame | None
    items: pd.DataFrame | None
    covariates: list[pd.DataFrame]  # one frame per level: date [, location] [, item] and a column per name
    kinds: dict
    closures: pd.DataFrame | None = None  # location, date: the days ahead a location is closed

    def engine_kwargs(self) -> dict:
        return {"events": self.events, "locations": self.locations, "items": self.items,
                "covariates": self.covariates, "kinds": self.kinds, "closures": self.closures}


def _members(model, side: str) -> pd.DataFrame | None:
    rows = [{side: str(pk), **{k: v for k, v in (attrs or {}).items()}}
            for pk, attrs in model.objects.values_list("id", "attrs")]
    frame = pd.DataFrame(rows)
    return frame if len(frame.columns) > 1 else None


def _events(sales: pd.DataFrame, stores: list[str]) -> pd.DataFrame | None:
    days = training_events(sales)
    if days is None or not len(days):
        return None
    national = days[days["store"].isna()][["date"]]
    everywhere = national.merge(pd.DataFrame({"location": stores}), how="cross")
    scoped = days[days["store"].notna()]
    scoped = pd.DataFrame({"date": scoped["date"], "location": scoped["store"].astype("int64").astype(str)})
    return pd.concat([everywhere, scoped], ignore_index=True)[["location", "date"]]


def own_covariates() -> tuple[list[pd.DataFrame], dict]:
    """The retailer's own covariates (``Covariate``), one wide frame per level they are given at, and their
    kinds (the weekly engine reads them as they are: forecasting/ml/own_covariates.py)."""
    kinds = dict(CovariateSpec.objects.values_list("name", "kind"))
    if not kinds:
        return [], {}
    rows = copy_frame("SELECT name, store, dept, date, value FROM forecasting_covariate",
                      ["name", "store", "dept", "date", "value"])
    rows["date"] = pd.to_datetime(rows["date"])
    frames = []
    for (by_store, by_dept), part in rows.groupby([rows["store"] > 0, rows["dept"] > 0]):
        wide = part.pivot_table(index=["store", "dept", "date"], columns="name", values="value").reset_index()
        wide.columns.name = None
        keys = {"location": wide["store"].astype(str)} if by_store else {}
        keys |= {"item": wide["dept"].astype(str)} if by_dept else {}
        frames.append(wide.drop(columns=["store", "dept"]).assign(**keys))
    return frames, {n: k for n, k in kinds.items() if n in set(rows["name"])}


def _covariates(features: pd.DataFrame | None) -> tuple[list[pd.DataFrame], dict]:
    """Walmart's nine location covariates (``StoreWeek``) and the retailer's own."""
    frames, kinds = own_covariates()
    if features is not None and len(features):
        given = [c for c in ENGINE_COVARIATES if features[c].notna().any()]
        if given:
            cov = features[["store", "date", *given]].rename(columns={"store": "location"})
            frames.append(cov.assign(location=cov["location"].astype(str)))
            kinds |= {c: "known" if c in KNOWN else "past" for c in given}
    return frames, kinds


def periodic_inputs() -> PeriodicInputs:
    sales, features, _ = training_frames()
    history = pd.DataFrame({"location": sales["store"].astype(str), "item": sales["dept"].astype(str),
                            "date": sales["date"], "value": sales["sales"].astype(float)})
    stores = sorted(history["location"].unique())
    covariates, kinds = _covariates(features)
    daily = data_settings().frequency == "D"  # closed days ahead, read from the history's (ml/periodic/closures.py)
    return PeriodicInputs(sales=sales, history=history, events=_events(sales, stores),
                          locations=_members(Location, "location"), items=_members(Item, "item"),
                          covariates=covariates, kinds=kinds, closures=inferred_closures(history) if daily else None)
