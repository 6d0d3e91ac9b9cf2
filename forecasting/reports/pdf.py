"""The weekly report as a PDF (fpdf2), in the workspace's branding
(saas/pdf_branding.py). Charts are drawn with matplotlib (Agg, no browser)
into PNGs embedded in the page."""
from __future__ import annotations

import io
from dataclasses import asdict
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from fpdf import FPDF  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from forecasting.selectors.catalog import Words  # noqa: E402
from forecasting.templatetags.figures import with_unit  # noqa: E402
from saas.pdf_branding import accent_rgb, latin, pdf_letterhead  # noqa: E402


def money(value, unit: str = "$") -> str:
    """-958.2 -> "-$958" (the sign before the currency; the core fonts have no U+2212); in the workspace's
    unit: a symbol before the figure, a word after it ("1,200 units")."""
    if value is None:
        return "-"
    return with_unit(f"{abs(value):,.0f}", "-" if round(value) < 0 else "", unit)


def report_words(report: dict) -> dict:
    """The workspace's words the report was made with (forecasting/selectors/catalog.py ``Words``)."""
    return {**asdict(Words()), **(report.get("words") or {})}


ADJECTIVE = {"day": "Daily", "week": "Weekly", "month": "Monthly"}


def pct(value) -> str:
    return "-" if value is None else f"{value * 100:+,.1f}%"


def _fmt_date(value) -> str:
    if value is None:
        return "-"
    return (date.fromisoformat(value) if isinstance(value, str) else value).strftime("%d %b %Y")


def kpi_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """(figure, this period, same period last year (like for like), change) — shared by the PDF and the e-mail."""
    lw, ytd, nx = report["last_week"] or {}, report["ytd"], report["next13"]
    wape = report["live_wape"]
    champ = report["champion"]
    unit = report_words(report)["unit"]
    return [
        (f"{lw.get('title') or 'Last week'} ({_fmt_date(lw.get('week'))})", money(lw.get("sales_like_for_like"), unit),
         money(lw.get("last_year_like_for_like"), unit), pct(lw.get("growth"))),
        ("Year to date", money(ytd["like_for_like"], unit), money(ytd["last_year"], unit), pct(ytd["growth"])),
        (f"Next {nx.get('span') or '13 weeks'} (forecast)", money(nx["like_for_like"], unit),
         money(nx["last_year"], unit), pct(nx["change"])),
        ("Live forecast accuracy (WAPE)", "-" if wape is None else f"{wape * 100:,.1f}%", "", ""),
        ("Champion model", "-" if champ is None else latin(f"v{champ['number']} ({champ['chosen']})"), "", ""),
    ]


def _png(fig) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    buf.seek(0)
    return buf


def _thousands(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def history_chart(report: dict, colour) -> io.BytesIO | None:
    if not report["history"]:
        return None
    words = report_words(report)
    measure = f"{ADJECTIVE.get(words['period'], 'Weekly')} {words['measure'].lower()}"
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot([h["date"] for h in report["history"]], [h["sales"] for h in report["history"]], color="#444",
            lw=1.2, label=measure)
    if report["forecast"]:
        ax.plot([f["date"] for f in report["forecast"]], [f["forecast"] for f in report["forecast"]],
                color=[c / 255 for c in colour], lw=1.6, label="Forecast")
    ax.set_title(f"Total {measure.lower()} ({words['unit']}) and forecast", fontsize=10)
    ax.legend(fontsize=8)
    _thousands(ax)
    return _png(fig)


def store_type_chart(report: dict, colour) -> io.BytesIO | None:
    rows = report["by_store_type"]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(9, 2.4))
    ax.barh([f"Type {r['type']}" for r in rows], [r["sales_ytd"] for r in rows], color=[c / 255 for c in colour])
    words = report_words(report)
    ax.set_title(f"{words['measure']} year to date by {words['location'].lower()} type ({words['unit']})", fontsize=10)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(labelsize=8)
    return _png(fig)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)


def _movers_table(pdf: FPDF, title: str, movers: dict, label: str, periods: str = "weeks", unit: str = "$") -> None:
    _heading(pdf, title)
    rows = movers["up"] + [m for m in movers["down"] if m not in movers["up"]]
    if not rows:
        pdf.cell(0, 6, "No forecast to compare yet: train a model and refresh the forecast.", new_x="LMARGIN",
                 new_y="NEXT")
        return
    pdf.multi_cell(0, 5, latin(f"Like for like (the same series both years), ranked by the difference in "
                               f"{'dollars' if unit == '$' else unit}; under {money(movers['floor'], unit)} last year "
                               "(the materiality floor) left out."),
                   new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(40, 40, 40, 40, 30),
                   text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row([label, "Forecast", f"Same {periods} last year", "Difference", "Change"])
        for m in rows:
            table.row([latin(f"{label} {m.get('code', m['key'])}"), money(m["forecast_like_for_like"], unit),
                       money(m["forecast_last_year"], unit), money(m["difference"], unit), pct(m["change"])])


def _attention(pdf: FPDF, attention: dict | None) -> None:
    _heading(pdf, "What needs attention (latest drift check)")
    if attention is None:
        pdf.cell(0, 6, "No drift check yet: it runs when new weeks of sales arrive.", new_x="LMARGIN", new_y="NEXT")
        return
    share = attention["share_outside95"]
    pdf.multi_cell(0, 5, latin(
        f"Weeks {_fmt_date(attention['first_week'])} to {_fmt_date(attention['last_week'])}: "
        f"{'-' if share is None else f'{share * 100:,.1f}%'} of series fell outside their 95% band"
        f"{' (drift detected)' if attention['detected'] else ''}; {attention['new_series']:,} new series, "
        f"{attention['vanished_series']:,} vanished."), new_x="LMARGIN", new_y="NEXT")
    shifts = attention["shifts"]["store"] or []
    if shifts:
        with pdf.table(col_widths=(60, 60), text_align=("LEFT", "RIGHT")) as table:
            table.row(["Store", "Actuals / forecast"])
            for s in shifts:
                table.row([f"Store {s['store']}", f"{s['ratio']:,.2f}"])


def _plan(pdf: FPDF, plan: dict | None) -> None:
    _heading(pdf, "The approved plan")
    if plan is None:
        pdf.multi_cell(0, 5, "No approved plan yet: an analyst submits the forecast and an admin approves it on the "
                             "Plan page.", new_x="LMARGIN", new_y="NEXT")
        return
    approved = f", approved {_fmt_date(plan['approved_at'])}" if plan["approved_at"] else ""
    line = (f"Plan v{plan['number']}{approved}: weeks {_fmt_date(plan['first_period'])} to "
            f"{_fmt_date(plan['last_period'])}, {money(plan['total'])} in all.")
    versus = plan["versus"]
    if versus is None:
        line += " The current forecast shares no week with it."
    else:
        line += (f" Over the {versus['weeks']:,} weeks and {versus['series']:,} series both cover, the current "
                 f"forecast is {money(versus['forecast'])} against {money(versus['plan'])} planned: "
                 f"{money(versus['difference'])} ({pct(versus['change'])}).")
    pdf.multi_cell(0, 5, latin(line), new_x="LMARGIN", new_y="NEXT")


def report_pdf(report: dict, *, tenant) -> bytes:
    colour = accent_rgb(tenant)
    name = getattr(tenant, "brand_name", None) or getattr(tenant, "name", "") or "Workspace"
    pdf = FPDF(format="A4")
    pdf.set_title(latin(f"Weekly report - {name}"))
    pdf.set_creator("Forecasting SaaS")
    pdf.add_page()
    pdf_letterhead(pdf, tenant)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, latin(f"Weekly report - {name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    scope = ("Stores " + ", ".join(str(s) for s in report["stores"])) if report["restricted"] else "All stores"
    pdf.cell(0, 6, latin(f"Generated {_fmt_date(report['generated'])} - {scope} - growth is like for like "
                         f"(the same store-departments on both sides)"), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Key figures")
    with pdf.table(col_widths=(60, 45, 50, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row(["Figure", "This period", "Same period last year", "Change"])
        for row in kpi_rows(report):
            table.row(list(row))
    for chart in (history_chart(report, colour), store_type_chart(report, colour)):
        if chart is not None:
            pdf.ln(3)
            pdf.image(chart, w=pdf.epw)
    nx, words = report["next13"], report_words(report)
    periods = nx.get("periods") or "weeks"
    _movers_table(pdf, f"Top movers: {words['locations'].lower()} (forecast of the next {nx.get('span') or '13 weeks'} "
                       f"vs the same {periods} last year)", report["movers"]["stores"], words["location"], periods,
                  words["unit"])
    _movers_table(pdf, f"Top movers: {words['items'].lower()}", report["movers"]["departments"], words["item"],
                  periods, words["unit"])
    _plan(pdf, report.get("plan"))
    _attention(pdf, report["attention"])
    return bytes(pdf.output())


def report_filename(report: dict) -> str:
    return f"weekly-report-{report['generated']:%Y-%m-%d}.pdf"
