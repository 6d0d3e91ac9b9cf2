"""Sales-data ingestion: parsing and validation of uploaded CSV files (no Django imports).

See :mod:`forecasting.ingest.parsing` for the documented behaviour.
"""
from .parsing import (
                      COPY_COLUMNS,
                      KINDS,
                      WEEKDAY_NAMES,
                      IngestError,
                      ParseLimits,
                      ParseResult,
                      iter_copy_csv,
                      parse_upload,
                      to_copy_csv,
)

__all__ = ["COPY_COLUMNS", "KINDS", "WEEKDAY_NAMES", "IngestError", "ParseLimits", "ParseResult",
           "iter_copy_csv", "parse_upload", "to_copy_csv"]
