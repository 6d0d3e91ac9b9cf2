"""Issue 19, item 4: rankings by money at stake and ratios only above a materiality floor (pure). Before:
hotspots led by a near-zero series at 39,881.8 %, anomalies by "-$7 vs $0", markdown ROI by a $0 cost at
+2,929 %."""
from __future__ import annotations

import pandas as pd

from forecasting.ml.insights import material_anomalies, material_hotspots
from forecasting.ml.markdown_roi import price_departments


def test_hotspots_leave_out_tiny_series_and_rank_by_the_money_in_their_swings():
    rows = [{"rank": 1, "store": 1, "dept": 99, "cv": 398.8, "mean_sales": 3.0, "std_sales": 1196.0},
            {"rank": 2, "store": 1, "dept": 1, "cv": 0.2, "mean_sales": 20000.0, "std_sales": 4000.0},
            {"rank": 3, "store": 2, "dept": 1, "cv": 0.9, "mean_sales": 5000.0, "std_sales": 4500.0},
            {"rank": 4, "store": 3, "dept": 1, "cv": None, "mean_sales": None, "std_sales": None}]
    got = material_hotspots(rows, floor=1000)
    assert [(r["rank"], r["store"], r["dept"]) for r in got] == [(1, 2, 1), (2, 1, 1)]


def test_anomalies_rank_by_dollars_and_drop_weeks_under_the_floor():
    rows = [{"store": 1, "dept": 5, "date": "2012-01-06", "sales": -7.0, "expected": 0.0, "deviation": -7.0},
            {"store": 1, "dept": 1, "date": "2012-01-06", "sales": 30000.0, "expected": 20000.0, "deviation": 10000.0},
            {"store": 2, "dept": 1, "date": "2012-01-13", "sales": 900.0, "expected": 25000.0, "deviation": -24100.0}]
    got = material_anomalies(rows, floor=1000)
    assert [(r["store"], r["deviation"]) for r in got] == [(2, -24100.0), (1, 10000.0)]
    assert len(material_anomalies(rows, floor=0)) == 3


def test_markdown_roi_has_no_ratio_under_the_floor():
    sums = pd.DataFrame({"dept": [1, 2], "markdown": ["markdown1", "markdown1"], "incremental_sales": [500.0, 9e5],
                         "cost": [0.5, 2e5], "stores": [3, 3]})
    priced = price_departments(sums, margin=0.3, floor=52_000).set_index("dept")
    assert priced.loc[1, "roi"] is None and priced.loc[1, "incremental_profit"] == 500 * 0.3 - 0.5
    assert priced.loc[2, "roi"] == (9e5 * 0.3 - 2e5) / 2e5
