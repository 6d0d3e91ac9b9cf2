"""The weekly report (issue 9, item 7): figures (figures.py), a PDF (pdf.py),
an HTML e-mail sent weekly to subscribed members (delivery.py)."""
