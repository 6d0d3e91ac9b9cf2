"""The generated retailer (issue 17 item 7) looks like a real chain's daily till export: closures have
no rows, new products no history, promotions cut the price and lift the units, the slowest products
sell on few days, a product announced for the planned days has no sale yet, the planned days follow the
history, and the same seed writes the same bytes."""
from __future__ import annotations

import pandas as pd
import pytest

from demo import retailer


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return retailer.generate(tmp_path_factory.mktemp("retailer"), **retailer.SMALL)


def _sales(files) -> pd.DataFrame:
    frame = pd.read_csv(files["sales"], sep=";", decimal=",", parse_dates=["date"])
    return frame


def test_the_files_have_the_headers_the_demo_maps(files):
    for name, mapping in retailer.MAPPINGS.items():
        sep = mapping.get("delimiter") or ","
        header = files[name].read_text().splitlines()[0].split(sep)
        assert header == list(mapping["columns"]), name


def test_closures_new_products_and_an_intermittent_tail(files):
    sales = _sales(files)
    stores = pd.read_csv(files["stores"])
    assert not ((sales["date"].dt.month == 12) & (sales["date"].dt.day == 25)).any()
    express = set(stores.loc[stores["format"] == "Express", "store"])
    assert express and not sales[sales["store"].isin(express) & (sales["date"].dt.weekday == 6)].shape[0]
    first = sales.groupby("sku")["date"].min()
    assert (first > sales["date"].min() + pd.Timedelta(days=200)).any()  # launched late: no earlier rows
    zero_share = sales.groupby(["store", "sku"])["units"].apply(lambda u: (u == 0).mean())
    assert (zero_share > 0.5).any() and (zero_share < 0.05).any()


def test_promotions_cut_the_price_and_lift_the_units(files):
    sales = _sales(files)
    top = sales[sales["sku"] == sales.groupby("sku")["units"].sum().idxmax()]
    promo, normal = top[top["promo"] == 1], top[top["promo"] == 0]
    assert (promo["price"].to_numpy() < normal["price"].max()).all()
    assert promo["units"].mean() > 1.4 * normal["units"].mean()


def test_the_plan_covers_the_days_after_the_history(files, tmp_path):
    sales, plan = _sales(files), pd.read_csv(files["promo_plan"], parse_dates=["date"])
    assert plan["date"].min() == sales["date"].max() + pd.Timedelta(days=1) and plan["date"].nunique() == 28
    again = retailer.generate(tmp_path, **retailer.SMALL)
    assert all(again[n].read_bytes() == files[n].read_bytes() for n in files)


def test_a_product_announced_for_the_planned_days_has_a_launch_date_a_plan_and_no_sales(files):
    sales, products = _sales(files), pd.read_csv(files["products"], dtype={"launch_date": str})
    plan = pd.read_csv(files["promo_plan"], parse_dates=["date"])
    announced = products[products["launch_date"].notna()]
    assert len(announced) == 1 and not sales["sku"].isin(announced["sku"]).any()
    launch = pd.Timestamp(announced["launch_date"].iloc[0])
    assert sales["date"].max() < launch <= plan["date"].max()
    mine = plan[plan["sku"] == announced["sku"].iloc[0]]
    assert len(mine) and mine["date"].min() == launch  # its planned prices from its launch day
