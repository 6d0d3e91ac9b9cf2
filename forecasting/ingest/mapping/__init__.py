"""Reading any retailer's file: the roles of its columns (``roles``), how it is written (``dialect``), the
layouts recognised without asking (``layouts``) and the proposal for the others (``propose``). Pure Python."""
from forecasting.ingest.mapping.propose import Proposal, propose
from forecasting.ingest.mapping.roles import Mapping, MappingError, parse_mapping

__all__ = ["Mapping", "MappingError", "Proposal", "parse_mapping", "propose"]
