"""Pure decision rules of a model's life: retraining schedule and triggers, promotion
(champion/challenger), shadow period and rollback. Numbers and DataFrames in, decisions out."""
