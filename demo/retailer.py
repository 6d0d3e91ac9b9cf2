"""A generated retailer's exports, as a chain with daily till data sends them (issue 17 item 7): what
``make run`` serves when the real data sets are not beside the project. Pure pandas / numpy, no Django;
the same seed and parameters give byte-identical files.

Files (``generate(out_dir)``):

* ``sales.csv``     ``store;sku;date;units;price;promo`` — one row per store, product and open day, semicolon
                    separated with decimal commas (a European till export); a closed day has no row;
* ``stores.csv``    ``store,name,region,format,size_m2``;
* ``products.csv``  ``sku,name,category,brand,pack_size,launch_date`` — the launch date of the products
                    announced for the planned days (no sale yet), empty for the others;
* ``promo_plan.csv`` ``store,sku,date,price,promo`` — the planned prices and promotions of the next
                    ``future_days`` days (known covariates for the horizon).

What is modelled: store formats (hyper, super, express) with their sizes and assortments; categories
with their own weekday profile and yearly season; products on a long tail of popularity (the slowest
sell a unit every few days: intermittent); a price per product, cut by 15-30 % on promotion days with a
lift that follows the discount (elasticity about -2.5); closures (every store on 25 December and 1 January,
express stores on Sundays); new products launched in the last months with no history before, and a few
announced to launch in the planned days (one in fifty).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SMALL = {"stores": 4, "products": 12, "days": 500}
CATEGORIES = {  # weekday profile (Mon..Sun), yearly amplitude, phase (day of year of the peak)
    "Dairy": ((1.0, 0.95, 0.95, 1.0, 1.15, 1.35, 0.8), 0.05, 20),
    "Bakery": ((1.0, 0.95, 0.95, 1.0, 1.1, 1.45, 0.9), 0.08, 350),
    "Produce": ((0.95, 0.9, 0.95, 1.0, 1.15, 1.4, 0.75), 0.25, 200),
    "Beverages": ((0.9, 0.9, 0.95, 1.0, 1.2, 1.45, 0.8), 0.35, 190),
    "Snacks": ((0.85, 0.85, 0.9, 1.0, 1.3, 1.5, 0.9), 0.15, 355),
    "Household": ((1.05, 1.0, 1.0, 1.0, 1.05, 1.3, 0.7), 0.05, 90),
    "Personal care": ((1.0, 1.0, 1.0, 1.0, 1.05, 1.25, 0.7), 0.05, 330),
    "Frozen": ((0.9, 0.9, 0.95, 1.0, 1.15, 1.4, 0.85), 0.3, 200),
}
FORMATS = {"Hyper": (6000, 1.0, 1.6), "Super": (2200, 0.7, 1.0), "Express": (400, 0.35, 0.45)}  # m2, assortment, scale
REGIONS = ("North", "South", "East", "West")
BRANDS = ("Alpen", "Borealis", "Costa", "Duna", "Elba", "Fjord")
ELASTICITY = -2.5


def _stores(rng: np.random.Generator, n: int) -> pd.DataFrame:
    formats = np.array(list(FORMATS))[rng.choice(3, size=n, p=[0.25, 0.45, 0.3])]
    formats[0] = "Hyper"
    return pd.DataFrame({
        "store": [f"ST-{i + 1:03d}" for i in range(n)],
        "name": [f"{REGIONS[i % 4]} {f} {i + 1}" for i, f in enumerate(formats)],
        "region": [REGIONS[i % 4] for i in range(n)],
        "format": formats,
        "size_m2": [int(FORMATS[f][0] * rng.uniform(0.8, 1.25)) for f in formats],
    })


def _products(rng: np.random.Generator, n: int) -> pd.DataFrame:
    cats = list(CATEGORIES)
    category = [cats[i % len(cats)] for i in range(n)]
    return pd.DataFrame({
        "sku": [f"SKU-{10001 + i}" for i in range(n)],
        "name": [f"{c} item {i + 1}" for i, c in enumerate(category)],
        "category": category,
        "brand": [BRANDS[int(rng.integers(len(BRANDS)))] for _ in range(n)],
        "pack_size": [int(rng.choice([1, 2, 4, 6, 12])) for _ in range(n)],
    })


def _closed(dates: pd.DatetimeIndex, fmt: str) -> np.ndarray:
    shut = ((dates.month == 12) & (dates.day == 25)) | ((dates.month == 1) & (dates.day == 1))
    return shut | ((dates.weekday == 6) if fmt == "Express" else False)


def generate(out_dir: Path, seed: int = 7, stores: int = 24, products: int = 150, days: int = 730,
             end: str = "2026-11-29", future_days: int = 28) -> dict[str, Path]:
    """Write the four files; returns their paths by name."""
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    st, pr = _stores(rng, stores), _products(rng, products)
    dates = pd.date_range(end=pd.Timestamp(end) + pd.Timedelta(days=future_days), periods=days + future_days,
                          freq="D")  # the history up to ``end``, then the planned days
    popularity = np.minimum(np.sort(rng.lognormal(0.4, 1.3, products))[::-1], 60)  # units a day, standard store
    list_price = np.round(rng.uniform(0.8, 12.0, products), 2)
    launch = np.where(rng.random(products) < 0.1, rng.integers(days - 150, days - 40, products), 0)  # new items
    announced = [p for p in range(products - 1, 1, -1) if launch[p] == 0][: max(1, products // 50)]
    for j, p in enumerate(announced):  # launched in the planned days: no sales yet, a launch date in the file
        launch[p] = days + min(3 + 7 * j, future_days - 1)
    pr["launch_date"] = ["" if launch[p] < days else dates[launch[p]].strftime("%Y-%m-%d") for p in range(products)]
    doy = dates.dayofyear.to_numpy()
    sales, plan = [], []
    for _, srow in st.iterrows():
        _, carried, scale = FORMATS[srow["format"]]
        closed = _closed(dates, srow["format"])
        for p, prow in pr.iterrows():
            if p >= 2 and rng.random() > carried:  # the two best sellers are everywhere
                continue
            week, amp, peak = CATEGORIES[prow["category"]]
            season = np.asarray(week)[dates.weekday] * (1 + amp * np.cos(2 * np.pi * (doy - peak) / 365.25))
            promo = rng.random(len(dates)) < 0.06
            discount = np.where(promo, rng.uniform(0.15, 0.3, len(dates)), 0.0)
            price = np.round(list_price[p] * (1 - discount), 2)
            rate = popularity[p] * scale * season * (1 - discount) ** ELASTICITY * rng.gamma(20, 1 / 20, len(dates))
            units = rng.poisson(rate)
            keep = ~closed & (np.arange(len(dates)) >= launch[p])
            frame = pd.DataFrame({"store": srow["store"], "sku": prow["sku"], "date": dates.strftime("%Y-%m-%d"),
                                  "units": units, "price": price, "promo": promo.astype(int)})
            hist = keep[:days]
            sales.append(frame.iloc[:days][hist])
            launched = np.arange(len(dates))[days:] >= launch[p]  # the plan of an announced product: from its launch
            plan.append(frame.iloc[days:][launched][["store", "sku", "date", "price", "promo"]])
    files = {name: out_dir / f"{name}.csv" for name in ("sales", "stores", "products", "promo_plan")}
    sales_frame = pd.concat(sales, ignore_index=True)
    sales_frame.to_csv(files["sales"], sep=";", decimal=",", index=False, lineterminator="\n")
    st.to_csv(files["stores"], index=False, lineterminator="\n")
    pr.to_csv(files["products"], index=False, lineterminator="\n")
    pd.concat(plan, ignore_index=True).to_csv(files["promo_plan"], index=False, lineterminator="\n")
    return files


#: How ``make run`` maps the generated files (the sales file's layout has covariates, so it is sent).
MAPPINGS = {
    "stores": {"columns": {"store": "location", "name": "ignore", "region": "location.region",
                           "format": "location.format", "size_m2": "location.size_m2"}},
    "products": {"columns": {"sku": "item", "name": "ignore", "category": "item.category", "brand": "item.brand",
                             "pack_size": "item.pack_size", "launch_date": "item.launch_date"}},
    "sales": {"columns": {"store": "location", "sku": "item", "date": "date", "units": "measure",
                          "price": "covariate:price:known", "promo": "covariate:promo:known"},
              "delimiter": ";", "decimal": ","},
    "promo_plan": {"columns": {"store": "location", "sku": "item", "date": "date", "price": "covariate:price:known",
                               "promo": "covariate:promo:known"}},
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demo.retailer", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--small", action="store_true", help=f"a tiny data set for tests: {SMALL}")
    args = p.parse_args(argv)
    files = generate(args.out, seed=args.seed, **(SMALL if args.small else {}))
    for name, path in files.items():
        print(f"{name}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
