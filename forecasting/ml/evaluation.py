"""Backtest report of what is shown: interval coverage (overall, per window,
per segment), live series without a forecast, negative values on series that
never go below zero.  Coverage is out-of-sample: each window's intervals are
calibrated on the other windows (leave-one-window-out) and scored as shown
(after clipping at the floor)."""
from __future__ import annotations

import numpy as np

from . import intervals
from .output import bounds, forecast_frame
from .status import INACTIVE


def _residuals(wins: list, chosen: str) -> dict:
    sc, st, sg, vol, wn = [], [], [], [], []
    for wi, w in enumerate(wins):
        f = w["fc"][chosen]
        w["shown"] = f
        calib = w["obs"] & (w["info"]["status"] != INACTIVE)[:, None]
        w["calib"] = calib
        e = np.abs(w["y"] - f) / (w["scale"][:, None] * w["turb"][None, : w["hz"]])
        sc.append(e[calib])
        st.append(np.broadcast_to(np.arange(w["hz"]), f.shape)[calib])
        sg.append(w["hol"][calib].astype(int))
        vol.append(np.broadcast_to(w["noise"][:, None], f.shape)[calib])
        wn.append(np.full(int(calib.sum()), wi))
    return {k: np.concatenate(v) for k, v in dict(score=sc, step=st, seg=sg, vol=vol, win=wn).items()}


def _mean(a):
    return float(np.mean(a)) if len(a) else None


def window_report(panel, wins: list, chosen: str, live_weeks: int) -> dict:
    H = max(w["hz"] for w in wins)
    r = _residuals(wins, chosen)
    edges = intervals.bucket_edges(r["vol"])
    model = intervals.fit(r["score"], r["step"], r["seg"], intervals.bucket_of(r["vol"], edges), H, edges)
    rows = []
    hits = {lv: [] for lv in ("80", "95")}
    segs = []
    for wi, w in enumerate(wins):
        cal = r["win"] != wi
        if cal.any():
            e_w = intervals.bucket_edges(r["vol"][cal])
            m_w = intervals.fit(r["score"][cal], r["step"][cal], r["seg"][cal],
                                intervals.bucket_of(r["vol"][cal], e_w), H, e_w)
        else:  # a single window: in-sample (said so in the report)
            e_w, m_w = edges, model
        o, f, st = w["o"], w["shown"], w["info"]["status"]
        seg_h = panel.hol[o + 1: o + 1 + w["hz"]].astype(int)
        b = bounds(f, w["scale"], w["info"]["floor"], m_w, seg_h, intervals.bucket_of(w["noise"], e_w), w["turb"])
        w["bounds"] = b
        calib = w["calib"]
        y = w["y"]
        row = {}
        seg_rows = w["hol"][calib]
        for tag in ("80", "95"):
            with np.errstate(invalid="ignore"):
                hit = ((y >= b["lo" + tag]) & (y <= b["hi" + tag]))[calib]
            hits[tag].append(hit)
            row[f"coverage{tag}"] = _mean(hit)
            row[f"coverage{tag}_holiday"] = _mean(hit[seg_rows])
            row[f"coverage{tag}_calm"] = _mean(hit[~seg_rows])
        segs.append(seg_rows)
        live = st != INACTIVE
        fr = forecast_frame(panel, o, f, b, st)
        got = set(map(tuple, fr[["store", "dept"]].drop_duplicates().to_numpy()))
        want = set(map(tuple, panel.keys[live]))
        nonneg = set(map(tuple, panel.keys[live & (w["info"]["floor"] >= 0)]))
        m = np.array([k in nonneg for k in map(tuple, fr[["store", "dept"]].to_numpy())], bool)
        neg = int(sum(((fr[c].to_numpy() < 0) & m).sum() for c in ("forecast", "lo80", "lo95")))
        row.update(live_series=len(want), live_without_forecast=len(want - got), negative_on_nonnegative=neg,
                   pooled_series=int((st == "pooled").sum()), in_sample_intervals=not cal.any())
        rows.append(row)
    summary = {}
    seg_all = np.concatenate(segs)
    for tag in ("80", "95"):
        h = np.concatenate(hits[tag])
        summary[f"coverage{tag}"] = _mean(h)
        summary[f"coverage{tag}_holiday"] = _mean(h[seg_all])
        summary[f"coverage{tag}_calm"] = _mean(h[~seg_all])
    return {"model": model, "windows": rows, "summary": summary}
