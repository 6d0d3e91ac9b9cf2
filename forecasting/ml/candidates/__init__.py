"""Model candidates: one registry (see ``base``).  To add a candidate, write a
module with a :class:`Candidate` subclass and add one ``register`` line below.
Order matters only for display."""
from .base import REGISTRY, Candidate, Context, FitData, get, labels, names, register, registered, unregister  # noqa: F401
from .lightgbm import LightGBMCandidate
from .mstl import MSTLCandidate
from .seasonal_svd import SeasonalSVD

register(LightGBMCandidate())
register(MSTLCandidate())
register(SeasonalSVD())
