"""Time `abs-etl review` for 2025 on a seed-scale warehouse (budget: 30 s, the issue's limit).

Usage: python bench/review.py [WAREHOUSE.duckdb] [--no-pdf]

With a path (e.g. the file `make run` published, data/warehouse/abs_warehouse.duckdb) it reads
that warehouse read-only — sources and footnotes then reach real documents; without one it builds
the seed-scale truth warehouse in memory (the same rows, no documents). Prints the time of each
stage, best of 3, and compares against the budget and against a baseline in the same run: the
chart report alone (`abs-etl report`), which the review draws once and embeds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports.charts import build_report  # noqa: E402
from reports.review import parse_period, write_review  # noqa: E402
from warehouse.marts import apply_marts  # noqa: E402

BUDGET_S = 30.0


def main(argv: list[str]) -> int:
    pdf = "--no-pdf" not in argv
    paths = [a for a in argv if not a.startswith("--")]
    if paths:
        con = duckdb.connect(paths[0], read_only=True)
        where = paths[0]
    else:
        from sample_market.truth import load_world
        from sample_market.world import build_world

        con = duckdb.connect()
        load_world(con, build_world(scale="seed", seed=20251231))
        apply_marts(con)
        where = "the seed truth in memory"
    period = parse_period("2025")
    runs, charts = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(3):
            started = time.perf_counter()
            build_report(con, Path(tmp) / f"charts{i}")
            charts.append(time.perf_counter() - started)
            result = write_review(con, period, Path(tmp) / f"review{i}", pdf=pdf)
            runs.append(result)
    best = min(runs, key=lambda r: r.timings["total_s"])
    print(f"review --period 2025 on {where} ({'with' if pdf else 'without'} the Chromium PDF), best of 3:")
    for stage, seconds in best.timings.items():
        print(f"  {stage.removesuffix('_s'):<10} {seconds:6.2f} s")
    print(f"  numbers {best.numbers}, footnotes {best.footnotes}")
    baseline = min(charts)
    total = best.timings["total_s"]
    print(f"baseline (chart report alone): {baseline:.2f} s; review / baseline = {total / baseline:.1f}×")
    print(f"budget {BUDGET_S:.0f} s: {'within' if total <= BUDGET_S else 'OVER'} ({total:.2f} s)")
    return 0 if total <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
