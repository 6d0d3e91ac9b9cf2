"""Issue 17, item 5 (the reading half): a retailer's file gets a proposed mapping of its columns to roles;
known layouts (Walmart's, Favorita's, a long store,sku,date,units export) are recognised without asking;
the dialect (delimiter, decimal comma, BOM, date format) and the planning frequency are read from the
file itself. Pure: no database."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from forecasting.ingest.mapping import MappingError, parse_mapping, propose
from forecasting.ingest.mapping.dialect import infer_frequency
from tests.conftest import FAVORITA_DIR, WALMART_DIR

HEAD = 300_000  # bytes of a file the proposal reads


def _head(path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(HEAD)


@pytest.mark.walmart
@pytest.mark.parametrize("name,layout,kind,frequency", [
    ("train.csv", "walmart_sales", "sales", "W-FRI"),  # weeks labelled by their last day, a Friday
    ("stores.csv", "walmart_stores", "locations", None),  # its lines end in a bare CR
    ("features.csv", "walmart_features", "location_covariates", "W-FRI"),
    ("test.csv", "walmart_test", "events", None),  # the competition's future weeks: their holiday flags
])
def test_walmart_files_are_recognised(name, layout, kind, frequency):
    p = propose(_head(WALMART_DIR / name))
    assert p.certain and p.layout == layout and p.kind == kind
    assert p.frequency == frequency
    if name == "train.csv":
        assert p.mapping.columns == {"Store": "location", "Dept": "item", "Date": "date",
                                     "Weekly_Sales": "measure", "IsHoliday": "event"}
        assert p.mapping.period_label == "end" and p.mapping.date_format is None


@pytest.mark.favorita
@pytest.mark.parametrize("name,layout,kind,frequency", [
    ("transactions.csv", "favorita_transactions", "sales", "D"),
    ("stores.csv", "favorita_stores", "locations", None),
    ("holidays_events.csv", "favorita_holidays", "events", None),
    ("oil.csv", "favorita_oil", "calendar", "D"),
])
def test_favorita_files_are_recognised(name, layout, kind, frequency):
    p = propose(_head(FAVORITA_DIR / name))
    assert p.certain and p.layout == layout and p.kind == kind and p.frequency == frequency
    if name == "stores.csv":
        assert set(p.mapping.columns.values()) == {"location", "location.city", "location.state", "location.type",
                                                   "location.cluster"}
    if name == "holidays_events.csv":
        assert p.mapping.columns["locale_name"] == "event.scope"
        assert p.mapping.columns["transferred"] == "event.transferred"


def _walmart_rewrite(rows: list[dict]) -> bytes:
    """Walmart's sales as another retailer sends them: codes S-001 / D-01, the week's first day (a
    Saturday) in dd.mm.yyyy, renamed headers, semicolons and decimal commas, a byte order mark."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["store_code", "product_group", "week_start", "units_sold", "holiday"])
    for r in rows:
        start = datetime.strptime(r["Date"], "%Y-%m-%d").date() - timedelta(days=6)
        w.writerow([f"S-{int(r['Store']):03d}", f"D-{int(r['Dept']):02d}", start.strftime("%d.%m.%Y"),
                    f"{float(r['Weekly_Sales']):.2f}".replace(".", ","), "1" if r["IsHoliday"] == "TRUE" else "0"])
    return b"\xef\xbb\xbf" + out.getvalue().encode()


@pytest.mark.walmart
def test_walmart_rewritten_by_another_retailer_is_proposed_for_confirmation():
    with open(WALMART_DIR / "train.csv", newline="") as fh:
        rows = [r for _, r in zip(range(2000), csv.DictReader(fh))]
    p = propose(_walmart_rewrite(rows))
    assert not p.certain and p.layout is None  # not a known layout: the user confirms
    m = p.mapping
    assert m.columns == {"store_code": "location", "product_group": "item", "week_start": "date",
                         "units_sold": "measure", "holiday": "event"}
    assert (m.delimiter, m.decimal, m.date_format, m.period_label) == (";", ",", "%d.%m.%Y", "start")
    assert p.kind == "sales" and p.frequency == "W-FRI"  # the same weeks as Walmart's: Saturday to Friday
    assert p.preview[0][0] == "S-001"
    assert float(p.preview[0][3].replace(",", ".")) == pytest.approx(float(rows[0]["Weekly_Sales"]))


def test_a_sku_export_gets_roles_from_names_and_values():
    data = (b"Store,SKU,Day,Qty,Unit Price,On Promo,Category,Shelf note\r\n"
            b"BER-01,A100,2024-01-01,3,2.49,0,Dairy,top\r\n"
            b"BER-01,A100,2024-01-02,0,2.49,1,Dairy,top\r\n"
            b"HAM-02,B7,2024-01-01,12,\"1,099.00\",0,Garden,\r\n")
    p = propose(data)
    assert not p.certain and p.kind == "sales" and p.frequency == "D"
    assert p.mapping.columns == {"Store": "location", "SKU": "item", "Day": "date", "Qty": "measure",
                                 "Unit Price": "covariate:price:known", "On Promo": "covariate:promotion:known",
                                 "Category": "item.category", "Shelf note": "ignore"}  # free text: the user decides
    assert p.mapping.decimal == "."  # 1,099.00 is a thousands comma


def test_attribute_files_and_calendars():
    items = propose(b"sku;category;brand;pack_size\nA100;Dairy;Acme;6\nB7;Garden;Zeta;1\n")
    assert items.kind == "items" and items.mapping.columns["brand"] == "item.brand"
    stores = propose(b"Store,City,Region,Format\nBER-01,Berlin,BE,Express\n")
    assert stores.kind == "locations" and stores.mapping.columns["Format"] == "location.format"
    cal = propose(b"month\tfootfall\n2024-01-01\t10\n2024-02-01\t12\n2024-03-01\t9\n")
    assert cal.kind == "calendar" and cal.frequency == "MS" and cal.mapping.delimiter == "\t"


def test_windows_1252_and_a_bare_cr_are_read():
    p = propose("Filiale,Artikel,Datum,Menge\rMünchen-1,Käse,01.03.2024,5\rMünchen-1,Käse,02.03.2024,7\r"
                .encode("cp1252"))
    assert p.preview[0][0] == "München-1" and p.mapping.date_format == "%d.%m.%Y"
    assert p.mapping.columns["Datum"] == "date" and p.frequency == "D"


@pytest.mark.parametrize("dates,label,expected", [
    ([date(2024, 1, 1) + timedelta(days=i) for i in range(10)], "start", "D"),
    ([date(2010, 2, 5) + timedelta(weeks=i) for i in range(5)], "end", "W-FRI"),
    ([date(2010, 1, 30) + timedelta(weeks=i) for i in range(5)], "start", "W-FRI"),  # Saturday starts
    ([date(2024, 1, 1) + timedelta(weeks=i) for i in range(5)], "start", "W-SUN"),  # Monday starts
    ([date(2024, m, 1) for m in range(1, 7)], "start", "MS"),
    ([date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)], "end", "MS"),
    ([date(2024, 1, 1)], "start", None),
    ([date(2024, 1, 1), date(2024, 1, 4), date(2024, 1, 11)], "start", None),
])
def test_frequency_from_the_dates(dates, label, expected):
    assert infer_frequency(dates, label) == expected


def test_a_mapping_round_trips_and_each_bad_field_is_named():
    header = ["store_code", "sku", "week", "units", "price", "note"]
    good = {"columns": {"store_code": "location", "sku": "item", "week": "date", "units": "measure",
                        "price": "covariate:price:known", "note": "ignore"},
            "decimal": ",", "delimiter": ";", "date_format": "%d.%m.%Y", "period_label": "end"}
    m = parse_mapping(good, header)
    assert m.as_json() == good and m.kind == "sales"

    def refused(obj, hdr=header) -> dict:
        with pytest.raises(MappingError) as exc:
            parse_mapping(obj, hdr)
        return exc.value.details

    assert "columns.price" in refused({**good, "columns": {**good["columns"], "price": "covariate:price"}})
    assert "columns.note" in refused({**good, "columns": {**good["columns"], "note": "shelf"}})
    two = refused({**good, "columns": {**good["columns"], "note": "date"}})
    assert "Only one column can be 'date'" in two["columns"][0]
    assert "Not in the file: extra" in " ".join(refused({**good, "columns": {**good["columns"], "extra": "ignore"}})
                                                ["columns"])
    unmapped = {k: v for k, v in good["columns"].items() if k != "note"}
    assert "note" in refused({**good, "columns": unmapped})["columns"][0]
    assert set(refused({**good, "decimal": ";", "period_label": "middle", "date_format": "dd.mm.yyyy",
                        "delimiter": "::", "colour": 1})) == {"decimal", "period_label", "date_format",
                                                               "delimiter", "colour"}
    no_measure_key = {"week": "date", "units": "measure"}  # a measure with no location and no item
    assert "columns" in refused({"columns": no_measure_key}, None)
    assert refused("not an object", None) == {"mapping": ["Send an object with 'columns'."]}
