"""The weekly PDF's figures and tables (issue 19 item 5): "$-958" read as a typo and every table cell was
filled with the workspace's accent colour (the letterhead left it as the fill colour). Pure: no database."""
from __future__ import annotations

import io

from fpdf import FPDF
from pypdf import PdfReader

from forecasting.reports.pdf import money, pct
from saas.pdf_branding import pdf_letterhead


def test_money_puts_the_sign_before_the_currency():
    assert money(-958.2) == "-$958" and money(1234567.4) == "$1,234,567" and money(None) == "-"
    assert money(-0.4) == "$0"  # rounds to zero: no sign
    assert pct(-0.052) == "-5.2%" and pct(0.1) == "+10.0%"


def test_the_letterhead_leaves_a_white_fill_for_what_follows():
    class Tenant:
        accent_color = "#1d4ed8"
        logo_file = ""
        schema_name = "t_x"

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf_letterhead(pdf, Tenant())
    assert pdf.fill_color.colors == (1.0, 1.0, 1.0)  # the accent band is drawn; tables fill white
    with pdf.table() as table:
        table.row(["Store", "Change"])
        table.row(["Store 1", money(-958)])
    text = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    assert "-$958" in text


def test_movers_are_ranked_by_dollars_like_for_like_above_the_floor():
    """Issue 19 items 4-5: the PDF's top movers were led by +32,218.3 % from $10."""
    from forecasting.reports.figures import _movers

    rows = [{"store": 1, "forecast_13w": 3232.0, "forecast_like_for_like": 3232.0, "forecast_last_year": 10.0,
             "forecast_change": 322.2},
            {"store": 2, "forecast_13w": 9e5, "forecast_like_for_like": 8e5, "forecast_last_year": 7e5,
             "forecast_change": 1 / 7},
            {"store": 3, "forecast_13w": 5e5, "forecast_like_for_like": 5e5, "forecast_last_year": 4.5e5,
             "forecast_change": 1 / 9},
            {"store": 4, "forecast_13w": 1e5, "forecast_like_for_like": 1e5, "forecast_last_year": 2e5,
             "forecast_change": -0.5}]
    got = _movers(rows, "store", floor=13_000, codes={})
    assert [m["key"] for m in got["up"]] == [2, 3] and [m["key"] for m in got["down"]] == [4]
    assert got["up"][0]["difference"] == 1e5 and got["floor"] == 13_000
