"""The engine for any planning frequency (issue 18 items 1-3): daily, weekly ending on any weekday, and
monthly series of (location, item) in the retailer's own codes, with their events by scope, their
covariates (``known`` at the target period, ``past`` as of the origin) and their closures (a closed
period is neither a zero in training nor a miss in the error measure; a known future closure forecasts 0
with a zero-width band).

One global LightGBM model, direct multi-horizon, on targets scaled by each series' recent level, against
the seasonal naive baselines, chosen on a rolling-origin backtest; split-conformal bands per horizon
bucket. Modules: ``seasons`` (what a frequency's seasons are), ``grid`` (series x periods), ``features``
(leakage-free rows), ``forecast`` (the model, its forecasts and bands from an origin), ``engine`` (backtest,
choice, bands, final forecast), ``partitions`` and ``steps`` (the series cut into partitions, what runs on
one: issue 20, docs/scale.md). Pure pandas / numpy / LightGBM, no Django."""
