"""Bench: wall time and peak memory of the full training pipeline on the real data.

Runs train() (features, rolling backtest of every candidate, final fit, forecast
with intervals for every series) and save_artifact(), and times a plain
seasonal-naive pass over the same data as a baseline.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import resource  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _data import load_walmart, parser, quick_data, require_data, verdict  # noqa: E402

TOTAL_LIMIT_S = 150.0
FINAL_LIMIT_S = 45.0
MEM_LIMIT_MB = 3072.0


class RssSampler(threading.Thread):
    """Samples the RSS of this process plus its children (statsforecast workers)."""

    def __init__(self, every=0.1):
        super().__init__(daemon=True)
        self.every, self.peak, self._halt = every, 0.0, threading.Event()

    def run(self):
        import psutil
        me = psutil.Process()
        while not self._halt.is_set():
            try:
                rss = me.memory_info().rss
                for c in me.children(recursive=True):
                    try:
                        rss += c.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, rss / 2**20)
            except Exception:
                pass
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()


def main():
    p = parser(__doc__)
    p.add_argument("--out", default=None, help="where to save the artifact (default "
                   "/tmp/forecast-bench-artifact.zip, with --quick /tmp/forecast-bench-artifact-quick.zip)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    args.out = args.out or f"/tmp/forecast-bench-artifact{'-quick' if args.quick else ''}.zip"
    data = quick_data() if args.quick else require_data(args.data)

    from forecasting.ml.models import seasonal_naive
    from forecasting.ml.panel import build_panel
    from forecasting.ml.pipeline import TrainConfig, save_artifact, train

    sales, features, stores = load_walmart(data)
    print(f"data: {len(sales):,} sales rows, {sales.groupby(['store', 'dept']).ngroups:,} series, "
          f"{sales.date.min().date()} .. {sales.date.max().date()}")

    # baseline: a plain seasonal-naive pass (panel + 13-week forecast of every series)
    t0 = time.perf_counter()
    panel = build_panel(sales, features, stores)
    seasonal_naive(np.nan_to_num(panel.Y), panel.T - 1, 13)
    t_naive = time.perf_counter() - t0

    sampler = RssSampler()
    sampler.start()
    stages = []
    t_start = time.perf_counter()

    def progress(frac, msg):
        stages.append((time.perf_counter() - t_start, frac, msg))
        print(f"  [{time.perf_counter() - t_start:7.1f}s] {frac:4.0%} {msg}", flush=True)

    cfg = TrainConfig(horizon=13, backtest_windows=2 if args.quick else 4, num_threads=args.threads, seed=0)
    result = train(sales, features, stores, cfg, progress=progress)
    t_train = time.perf_counter() - t_start
    t1 = time.perf_counter()
    sha = save_artifact(result.artifact, args.out)
    t_save = time.perf_counter() - t1
    total = time.perf_counter() - t_start
    sampler.stop()

    ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ru_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = max(sampler.peak, ru_self)

    tm = dict(result.timings)
    tm["save"] = round(t_save, 3)
    # final fit = every candidate fitted and forecast at the final origin; then intervals/frame + artifact
    final = tm.get("final_fit", 0) + tm.get("forecast", 0) + tm.get("artifact", 0)
    print("\nstage times (s):")
    for k, v in tm.items():
        print(f"  {k:14s} {v:8.2f}")
    print(f"  {'TOTAL':14s} {total:8.2f}   (train {t_train:.2f} + save {t_save:.2f})")
    print(f"final fit + forecast of every series: {final:.2f} s "
          f"(candidates at the final origin {tm.get('final_fit', 0):.2f} "
          f"+ forecast/intervals {tm.get('forecast', 0):.2f} + artifact {tm.get('artifact', 0):.2f})")
    print(f"baseline seasonal-naive pass: {t_naive:.2f} s  -> full pipeline is {total / max(t_naive, 1e-9):.0f}x that")
    print(f"peak memory: {peak:.0f} MB (process+children RSS sampled; ru_maxrss self {ru_self:.0f} MB, "
          f"largest child {ru_child:.0f} MB)")
    print(f"forecast rows: {len(result.forecast):,} for {result.forecast.groupby(['store', 'dept']).ngroups:,} series "
          f"(statuses: {result.params['status_counts']}); chosen: {result.chosen}")
    print(f"artifact: {args.out} {os.path.getsize(args.out) / 2**20:.1f} MB sha256 {sha}")
    ok = True
    for name, cond, txt in [
        ("total time", total <= TOTAL_LIMIT_S, f"{total:.1f} s <= {TOTAL_LIMIT_S:.0f} s"),
        ("final fit + forecast", final <= FINAL_LIMIT_S, f"{final:.1f} s <= {FINAL_LIMIT_S:.0f} s"),
        ("peak memory", peak <= MEM_LIMIT_MB, f"{peak:.0f} MB <= {MEM_LIMIT_MB:.0f} MB"),
    ]:
        print(f"{'PASS' if cond else 'FAIL'}: {name}: {txt}")
        ok &= cond
    return verdict(ok, args.quick)


if __name__ == "__main__":
    sys.exit(main())
