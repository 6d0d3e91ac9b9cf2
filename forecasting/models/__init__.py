"""The forecasting app's tables, by area (one module each)."""
from .catalog import DataSettings, Event, Item, Layout, Location  # noqa: F401
from .data import Covariate, CovariateSpec, OnHandStock, SalesRecord, Store, StoreWeek, Upload  # noqa: F401
from .lifecycle import (  # noqa: F401
    DriftReport,
    ForecastAggregate,
    ForecastPoint,
    ForecastRun,
    ModelEvaluation,
    ModelVersion,
    RetrainingPolicy,
    SeriesStatus,
)
from .planning import (  # noqa: F401
    ExceptionDismissal,
    FiguresSnapshot,
    InsightSnapshot,
    Override,
    OverrideLine,
    Plan,
    PlanPoint,
    Scenario,
    SimulationUse,
)
