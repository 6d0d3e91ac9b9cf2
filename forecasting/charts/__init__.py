"""Server-side Plotly figures, one module per page area; base.py holds what they share."""
