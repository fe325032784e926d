"""Time every figure-catalogue query on a seed-scale warehouse and print the slowest.

Usage: python bench/figure_queries.py [WAREHOUSE.duckdb]

Without a path it builds the seed-scale truth warehouse in memory (the same rows a seed run
publishes) and applies the marts. Prints per-figure best-of-5 times, and compares against the
budget of 200 ms per query and against a baseline in the same run: a plain full scan of the
largest core table (the cost floor of "reading the warehouse at all").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warehouse.figures import load_catalogue, run_figure  # noqa: E402
from warehouse.marts import apply_marts  # noqa: E402

BUDGET_MS = 200.0


def best_of(fn, n: int = 5) -> float:
    fn()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def main(argv: list[str]) -> int:
    if argv:
        con = duckdb.connect(argv[0], read_only=True)
        where = argv[0]
    else:
        from sample_market.truth import load_world
        from sample_market.world import build_world

        con = duckdb.connect()
        load_world(con, build_world("seed", 20251231))
        apply_marts(con)
        where = "seed-scale truth warehouse (in memory)"
    baseline = best_of(lambda: con.execute("SELECT count(*), sum(yield_rate) FROM core.yield_curves").fetchall())
    timings = sorted(((best_of(lambda f=f: run_figure(con, f)), f.id) for f in load_catalogue()), reverse=True)
    print(f"figure catalogue on {where}: {len(timings)} queries, best of 5")
    print(f"baseline full scan of core.yield_curves: {baseline:.1f} ms")
    print(f"{'figure':8} {'ms':>8} {'x baseline':>11}")
    for ms, fid in timings[:10]:
        print(f"{fid:8} {ms:8.1f} {ms / baseline:11.1f}")
    slowest = timings[0]
    print(f"slowest: {slowest[1]} {slowest[0]:.1f} ms (budget {BUDGET_MS:.0f} ms): "
          f"{'within budget' if slowest[0] < BUDGET_MS else 'OVER BUDGET'}")
    print(f"total for all {len(timings)} figures: {sum(t for t, _ in timings):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
