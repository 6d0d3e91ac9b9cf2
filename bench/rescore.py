"""Bench: the champion scored on the challenger's backtest windows (issue 8
point 4; forecasting/ml/rescore.py), on the real data.

Trains a champion with history to 2011-12-30 and a challenger with history
to 2012-04-27 (17 weeks later; horizon 13, 2 backtest windows each), then
scores the champion's stored model on the challenger's windows that start at
or after 2011-12-30 (refresh from each window origin, no refit) and both on
the same rows. Prints the rescore's cost against the challenger's training of
the same run (target: at most 25 % of it), the rows and windows compared,
both WMAEs on them, and the verdict of the promotion rule (2 % margin) on
this basis beside the one it would take on skill vs seasonal naive (each on
its own backtest; the challenger must also beat seasonal naive on its own).

Run: .venv/bin/python bench/rescore.py [--data DIR] [--threads N] [--quick]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import time  # noqa: E402
import warnings  # noqa: E402

import pandas as pd  # noqa: E402
from _data import load_walmart, parser, quick_data, require_data, verdict  # noqa: E402

CHAMPION_END, CHALLENGER_END = "2011-12-30", "2012-04-27"
SHARE_LIMIT = 0.25
MARGIN = 0.02  # settings.FORECAST_PROMOTION_MARGIN's default


def main():
    p = parser(__doc__)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    data = quick_data() if args.quick else require_data(args.data)
    warnings.filterwarnings("ignore")

    from forecasting.ml.pipeline import TrainConfig, train
    from forecasting.ml.rescore import rescore_on_windows

    sales, features, stores = load_walmart(data)
    cfg = TrainConfig(horizon=13, backtest_windows=2, num_threads=args.threads, seed=0)
    t0 = time.perf_counter()
    champion = train(sales[sales.date <= pd.Timestamp(CHAMPION_END)], features, stores, cfg)
    t_champion = time.perf_counter() - t0
    recent = sales[sales.date <= pd.Timestamp(CHALLENGER_END)]
    t1 = time.perf_counter()
    challenger = train(recent, features, stores, cfg)
    t_challenger = time.perf_counter() - t1
    t2 = time.perf_counter()
    got = rescore_on_windows(champion.artifact, challenger, recent, features, stores, num_threads=args.threads)
    t_rescore = time.perf_counter() - t2
    print(f"champion to {CHAMPION_END}: trained in {t_champion:.1f} s ({champion.chosen}, backtest WMAE "
          f"{champion.metrics[champion.chosen]['wmae']:,.1f}, seasonal naive "
          f"{champion.metrics['seasonal_naive']['wmae']:,.1f})")
    print(f"challenger to {CHALLENGER_END}: trained in {t_challenger:.1f} s ({challenger.chosen}, backtest WMAE "
          f"{challenger.metrics[challenger.chosen]['wmae']:,.1f}, seasonal naive "
          f"{challenger.metrics['seasonal_naive']['wmae']:,.1f}); windows from "
          f"{', '.join(b['origin'] for b in challenger.backtest)}")
    if got is None:
        print("no challenger window starts at or after the champion's origin: FAIL")
        return verdict(False, args.quick)
    share = t_rescore / t_challenger
    print(f"rescore: {t_rescore:.1f} s = {share:.0%} of the challenger's training (limit {SHARE_LIMIT:.0%}); "
          f"windows {', '.join(got['windows'])}, {got['rows']:,} rows, {got['weeks']} weeks")
    print(f"same rows: challenger WMAE {got['wmae']:,.1f} vs champion {got['champion_wmae']:,.1f} "
          f"({1 - got['wmae'] / got['champion_wmae']:+.1%})")
    # the promotion rule's two bases (forecasting/services/promotion.py), margin 2 %
    rows_gain = 1 - got["wmae"] / got["champion_wmae"]
    skill = challenger.metrics[challenger.chosen]["wmae"] / challenger.metrics["seasonal_naive"]["wmae"]
    champion_skill = champion.metrics[champion.chosen]["wmae"] / champion.metrics["seasonal_naive"]["wmae"]
    skill_gain = 1 - skill / champion_skill
    print(f"rule on the same rows: {'promote' if rows_gain >= MARGIN else 'reject'} ({rows_gain:+.1%}, needs "
          f"{MARGIN:.0%}); on skill vs seasonal naive (own backtests): {skill:.3f} vs {champion_skill:.3f} -> "
          f"{'promote' if skill_gain >= MARGIN else 'reject'} ({skill_gain:+.1%})")
    ok = share <= SHARE_LIMIT
    print("PASS" if ok else "FAIL")
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
