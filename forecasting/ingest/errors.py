"""The one exception of the ingest package."""


class IngestError(Exception):
    """Programmer error (bad arguments).  Bad *input files* never raise."""
