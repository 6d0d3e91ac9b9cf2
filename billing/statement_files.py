"""A statement as a downloadable file: CSV (formula-safe, saas/csv_safe.py)
and PDF (fpdf2). Both render the stored statement only: an issued statement
reads the same forever."""
from __future__ import annotations

import io
from decimal import Decimal

from fpdf import FPDF

from billing.meters import METERS
from billing.models import Statement
from saas.csv_safe import csv_writer
from saas.pdf_branding import latin as _latin
from saas.pdf_branding import pdf_letterhead

CSV_HEADER = ["statement", "workspace", "period_start", "period_end", "plan", "currency", "code", "description", "quantity",
              "unit", "unit_price", "amount"]


def statement_filename(statement: Statement, ext: str) -> str:
    return f"{statement.number}.{ext}"


def statement_csv(statement: Statement) -> str:
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(CSV_HEADER)
    head = [statement.number, statement.tenant_name, statement.period_start.isoformat(), statement.period_end.isoformat(), statement.plan,
            statement.currency]
    for line in statement.line_items:
        writer.writerow(head + [line["code"], line["description"], line["quantity"], line["unit"],
                                Decimal(line["unit_price"]), Decimal(line["amount"])])
    writer.writerow(head + ["total", "Total", "", "", "", statement.total])
    return buf.getvalue()


def _usage_rows(statement: Statement) -> list[tuple[str, str]]:
    rows = []
    for name, meter in METERS.items():
        value = int(statement.usage.get(name, 0))
        if meter.unit == "bytes":
            rows.append((f"Storage (peak, {meter.label})", f"{value / (1024 * 1024):,.1f} MB"))
        elif name == "training_seconds":
            rows.append(("Training minutes", f"{int(statement.usage.get('training_minutes', 0)):,}"))
        else:
            rows.append((meter.label.capitalize() + (" (peak)" if meter.kind == "gauge" else ""), f"{value:,}"))
    return rows


def statement_pdf(statement: Statement) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_latin(f"Statement {statement.number}"))
    pdf.set_creator("Forecasting SaaS")
    pdf.add_page()
    pdf_letterhead(pdf, statement.tenant)
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Statement {statement.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for label, value in (("Workspace", f"{statement.tenant_name} ({statement.tenant_slug})"),
                         ("Period", f"{statement.period_start:%d %b %Y} - {statement.period_end:%d %b %Y}"),
                         ("Plan", statement.plan.title()), ("Currency", statement.currency),
                         ("Issued", f"{statement.issued_at:%d %b %Y %H:%M} UTC")):
        pdf.cell(30, 6, _latin(label))
        pdf.cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, "Line items", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(col_widths=(90, 20, 35, 22, 23), text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT")) as table:
        table.row(["Description", "Quantity", "Unit", "Unit price", "Amount"])
        for line in statement.line_items:
            table.row([_latin(line["description"]), f"{int(line['quantity']):,}", _latin(line["unit"]),
                       f"{Decimal(line['unit_price']):,.2f}", f"{Decimal(line['amount']):,.2f}"])
        table.row(["Total", "", "", "", f"{statement.total:,.2f} {statement.currency}"])
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, "Usage in the period", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    with pdf.table(col_widths=(120, 70), text_align=("LEFT", "RIGHT")) as table:
        table.row(["Meter", "Amount"])
        for label, value in _usage_rows(statement):
            table.row([_latin(label), value])
    return bytes(pdf.output())
