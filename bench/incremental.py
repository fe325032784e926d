"""An incremental day on a market-year warehouse: 1% new documents, then nothing new.

Builds the warehouse from the market-year world as it stood before its latest 1% of documents
by publish time (`abs-etl run`, timed as the full run), then serves the whole world — the
latest 1% are what a new day publishes, after every cursor — and times the incremental
`abs-etl run`, then a third run with nothing new. Prints each run's time, the
incremental run as a share of the full run, and the nothing-new run beside Prefect's start-up.

    python bench/incremental.py [--data data/bench] [--held-back 0.01] [--scale seed]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import market_year as my  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--held-back", type=float, default=0.01, help="share of documents the new day publishes")
    parser.add_argument("--scale", choices=("market-year", "seed"), default="market-year",
                        help="seed: the same three runs on the 1,439-document seed world (a quick check)")
    args = parser.parse_args(argv)
    base = args.data.resolve()
    base.mkdir(parents=True, exist_ok=True)
    print(f"machine: {my.cores()} cores; load average {os.getloadavg()[0]:.2f}")
    cache = base / f"{args.scale}-cache"
    world = my.market_year(cache, args.scale)
    keep = 1 - args.held_back
    before = base / f"{args.scale}-first-{keep:g}"
    my.subset(world, keep, before, earliest=True)

    data = my.fresh_data(base, "incremental", before)
    bin_ = str(Path(sys.executable).parent / "abs-etl")
    command = [bin_, "run", "--scale", args.scale]
    env = my.env_for(data, scale=args.scale)
    logs = base / "runs"

    full_s, full_peak, _ = my.run_measured(command, env, logs / "incremental-full.log")
    full = my.last_run(data)
    (data / "sample_market").unlink()
    (data / "sample_market").symlink_to(cache.resolve(), target_is_directory=True)
    day_s, day_peak, day_start = my.run_measured(command, env, logs / "incremental-day.log")
    day = my.last_run(data)
    none_s, none_peak, none_start = my.run_measured(command, env, logs / "incremental-nothing.log")
    nothing = my.last_run(data)

    print(f"{'run':<34}{'documents':>10}{'loaded':>8}{'seconds':>10}{'peak MB':>9}")
    for name, seconds, peak, summary in ((f"full ({keep:.0%} of the documents)", full_s, full_peak, full),
                                         ("incremental day (+1% documents)", day_s, day_peak, day),
                                         ("nothing new", none_s, none_peak, nothing)):
        print(f"{name:<34}{summary.get('documents_fetched', 0):>10,}{summary.get('documents', {}).get('loaded', 0):>8,}"
              f"{seconds:>10.1f}{peak / 2**20:>9,.0f}")
    print(f"incremental day: {day_s:.1f} s = {day_s / full_s:.1%} of the full run ({full_s:.1f} s); "
          f"its stages: {day.get('timings', {})}")
    startup = none_start or 0.0
    print(f"nothing new: {none_s:.1f} s, of which Prefect start-up {startup:.1f} s → {none_s - startup:.1f} s beyond it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
