"""How much of a run the data-quality gate costs: the validate step against the whole run.

Usage: python bench/validation_share.py [--scale seed|market-year] [--seed N] [--data DIR]
                                        [--sample-cache DIR] [--json out.json]

Runs the main job (plain functions, real HTTP to the sample market's loopback server) into a
fresh data directory, then replays the gate on the very frames the run validated to split its
time: parent keys from the warehouse, row rules and their cascade, the GX checkpoints (pandas
conversion included), the Data Docs. The baseline in the same run is the run itself: the
budget is validation ≤ 20 % of the run's wall time. Shares are given in
wall time and in CPU time of this process (parsing runs in worker processes, so the CPU share
is of this process's own work: fetch, stage, validate, load, audit). ``--sample-cache`` reuses generated
markets (generation is not part of the run).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_SHARE = 0.20
RUN_STEPS = ("fetch_s", "parse_s", "decide_s", "validate_s", "load_s", "audit_s", "publish_s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", default="seed", choices=["seed", "market-year"])
    parser.add_argument("--seed", type=int, default=20251231)
    parser.add_argument("--data", type=Path, help="data directory to run in (default: a temporary one, removed)")
    parser.add_argument("--sample-cache", type=Path, help="directory of generated sample markets to reuse")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)

    import duckdb

    from expectations import gate
    from pipeline.run import run_job
    from pipeline.sources import open_sources
    from settings import Settings

    data = args.data or Path(tempfile.mkdtemp(prefix="bench-validation-"))
    settings = Settings()
    settings.paths.data_dir = data
    settings.sources.sample_market.scale = args.scale
    settings.sources.sample_market.seed = args.seed
    if args.sample_cache and not settings.paths.sample_dir.exists():
        data.mkdir(parents=True, exist_ok=True)
        settings.paths.sample_dir.symlink_to(args.sample_cache.resolve(), target_is_directory=True)

    seen: dict = {}
    validate = gate.validate

    def keep_frames(con, frames, run_id, *args, **kwargs):
        seen["frames"] = {t: f.clone() for t, f in frames.items()}
        cpu = time.process_time()
        try:
            return validate(con, frames, run_id, *args, **kwargs)
        finally:
            seen["validate_cpu_s"] = time.process_time() - cpu

    gate.validate = keep_frames  # the job looks the gate up when it validates: keep what it sees
    with open_sources(settings, "sample_market") as sources:  # generation, if any, happens here
        started, cpu = time.perf_counter(), time.process_time()
        summary = run_job(settings, sources)
        wall, run_cpu = time.perf_counter() - started, time.process_time() - cpu
    gate.validate = validate
    timings = summary["timings"]
    run_s = wall  # downloads and parsing overlap: the steps do not add up to the run
    share = timings.get("validate_s", 0) / run_s if run_s else 0.0

    # the same gate again, step by step, on the frames the run validated (the published
    # warehouse now holds them too, so parent keys are read from a copy of the build's origin)
    frames = seen["frames"]
    rows = sum(f.height for f in frames.values())
    steps: dict[str, float] = {}
    con = duckdb.connect(str(Path(summary["published_path"])), read_only=True)
    t = time.perf_counter()
    stored = gate.warehouse_parent_keys(con, sorted(frames))
    steps["parent keys from the warehouse"] = time.perf_counter() - t
    con.close()
    t = time.perf_counter()
    result = gate.quarantine_rows(frames, stored)
    steps["row rules + cascade (polars)"] = time.perf_counter() - t
    t = time.perf_counter()
    checkpoints = gate.Checkpoints("bench")
    steps["GX import + context"] = time.perf_counter() - t
    parents = gate.parent_keys(result.frames, stored)
    t = time.perf_counter()
    for table, frame in sorted(result.frames.items()):
        checkpoints.run(table, frame, parents)
    steps["GX checkpoints (incl. pandas)"] = time.perf_counter() - t
    docs = Path(tempfile.mkdtemp(prefix="bench-docs-")) / "dq_docs"
    t = time.perf_counter()
    checkpoints.build_docs(docs)
    steps["Data Docs (build + offline)"] = time.perf_counter() - t
    shutil.rmtree(docs.parent, ignore_errors=True)

    print(f"scale {args.scale}, seed {args.seed}: {summary['outcome']} — {summary['message']}")
    print(f"{rows:,} rows validated in {len(frames)} tables")
    print(f"{'step':32} {'s':>8}")
    for key in RUN_STEPS:
        print(f"{key:32} {timings.get(key, 0):8.1f}")
    print(f"{'run (wall)':32} {run_s:8.1f}")
    cpu_share = seen["validate_cpu_s"] / run_cpu if run_cpu else 0.0
    print(f"cpu of this process: run {run_cpu:.1f} s, validate {seen['validate_cpu_s']:.1f} s")
    for label, value in (("wall", share), ("cpu", cpu_share)):
        print(f"validation share ({label}): {value:.1%} of the run (budget {BUDGET_SHARE:.0%}): "
              f"{'within budget' if value <= BUDGET_SHARE else 'OVER BUDGET'}")
    print("the gate replayed on the same frames:")
    for name, seconds in steps.items():
        print(f"  {name:30} {seconds:8.2f}")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "rows": rows, "timings": timings, "run_s": run_s,
                                         "validation_share": share, "run_cpu_s": run_cpu,
                                         "validate_cpu_s": seen["validate_cpu_s"], "validation_cpu_share": cpu_share,
                                         "gate_steps_s": steps}, indent=2))
    if not args.data:
        shutil.rmtree(data, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
