"""Web views, one module per page area (issue 9, Structure)."""
