"""The workspace's branding on a PDF page (fpdf2): its accent colour as a band
across the top and its logo at the right. Shared by every PDF the product
renders (billing statements, the weekly report)."""
from __future__ import annotations

from fpdf import FPDF

from saas.storage import logo_path

DEFAULT_ACCENT = "#1f6feb"


def accent_rgb(tenant) -> tuple[int, int, int]:
    accent = (getattr(tenant, "accent_color", "") or DEFAULT_ACCENT).lstrip("#")
    return tuple(int(accent[i:i + 2], 16) for i in (0, 2, 4))


def latin(text) -> str:
    """The core PDF fonts are Latin-1: anything else is replaced, never an error."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def pdf_letterhead(pdf: FPDF, tenant) -> None:
    """Draw the letterhead on the current page and leave the cursor below it."""
    pdf.set_fill_color(*accent_rgb(tenant))
    pdf.rect(0, 0, pdf.w, 6, style="F")
    pdf.set_fill_color(255, 255, 255)  # tables drawn after it fill with the current colour: never the accent
    logo = logo_path(tenant) if tenant is not None else None
    if logo is not None:
        pdf.image(str(logo), x=pdf.w - pdf.r_margin - 40, y=10, h=14, keep_aspect_ratio=True, w=40)
    pdf.set_y(12)
