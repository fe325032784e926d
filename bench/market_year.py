"""The main job on a market year: raw documents → published warehouse, through `abs-etl run`.

Generates the market-year sample market once (cached under --data, ≈5 min on 2 idle cores),
then runs `abs-etl run --scale market-year` on a fresh data directory and prints:

- per-stage seconds (from the run's own timings), documents/s, peak RSS of the whole process
  tree (the CLI, Prefect's temporary server, the task-runner workers, the parse workers);
- the share of the run spent in Prefect: the same job through the plain runner
  (`pipeline.run.run_job`, same stages, no Prefect) is the baseline of the same invocation;
- the ratio of the run to the parse floor: documents ÷ our trustee-report parse rate per core
  (measured here as `bench/parse_reports.py` measures it) ÷ cores;
- with --scaling, 0.25×, 0.5× and 1× market years side by side (subsets by deal of the same
  world), and the parse stage on 1 worker against 2 (0.25×): within the run, where downloads
  share the cores, and alone, on a raw store that already holds the documents;

and ends with `market-year: N documents, T s, peak RSS M MB` (whole run, Prefect start-up
included). Numbers depend on the machine and its load: `uptime` is printed with them.

    python bench/market_year.py [--data data/bench] [--scaling] [--no-baseline] [--parse-rate DOCS_PER_S]
    python bench/market_year.py --scale seed      # the same on the seed world, in a few minutes
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SEED = 20251231
STAGES = ("fetch_s", "parse_s", "decide_s", "validate_s", "load_s", "audit_s", "publish_s")


# ── the world ────────────────────────────────────────────────────────────────────────────
def market_year(cache: Path, scale: str = "market-year") -> Path:
    from sample_market.generate import ensure_generated

    started = time.monotonic()
    path = ensure_generated(cache, scale=scale, seed=SEED)
    if time.monotonic() - started > 5:
        print(f"generated the {scale} world in {time.monotonic() - started:.0f} s → {path}")
    return path


def subset(world: Path, fraction: float, into: Path, *, earliest: bool = False) -> Path:
    """A sample-market directory holding every document of a fraction of the deals (by a hash
    of the deal id) and every document that is not one deal's: the same world, smaller. With
    ``earliest``, the first ``fraction`` of the documents by publish time instead (the world as
    it stood before its latest days)."""
    from sample_market.manifest import MANIFEST_NAME

    target = into / world.name
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    lines = (world / MANIFEST_NAME).read_text(encoding="utf-8").splitlines()
    cutoff = sorted(json.loads(line)["published_at"] for line in lines)[int(fraction * (len(lines) - 1))]
    keep_lines = []
    for line in lines:
        entry = json.loads(line)
        deal = next((part for part in entry["rel_path"].split("/") if part.startswith("deal_")), None)
        if earliest:
            if entry["published_at"] > cutoff:
                continue
        elif deal is not None and int(hashlib.sha256(deal.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF >= fraction:
            continue
        keep_lines.append(line)
        link = target / entry["rel_path"]
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(world / entry["rel_path"])
    (target / MANIFEST_NAME).write_text("\n".join(keep_lines) + "\n", encoding="utf-8")
    for extra in ("truth", "expected_outcomes.parquet", "checksums.txt"):
        if (world / extra).exists():
            (target / extra).symlink_to(world / extra)
    (target / ".complete").write_text((world / ".complete").read_text())
    return target


# ── measuring a process tree ────────────────────────────────────────────────────────────
def role(p) -> str:
    """What a process of the run is, for the memory breakdown."""
    args = " ".join(p.cmdline())
    if "pipeline.isolation" in args:
        return "parse workers"
    if "uvicorn" in args or "prefect.server" in args or "prefect server" in args:
        return "Prefect server"
    if "sample_market" in args or "sample-market" in args:
        return "sample-market server"
    return "flow process" if "abs-etl" in args or "flows" in args or "plain_run" in args else "other"


class TreeMemory(threading.Thread):
    """Peak of the summed RSS of a process and all its descendants, sampled every 0.2 s, and
    who held it at the peak (by role); the peak of their summed PSS, every second (a shared
    page — polars', pdfium's code — counted once, not once per process that maps it); and the CPU seconds each
    role used (a process's last sample: where the machine's two cores went)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_pss, self.stop = pid, 0, 0, threading.Event()
        self.at_peak: dict[str, int] = {}
        self.timeline: list[tuple[float, dict[str, int], dict[str, float]]] = []  # (time, RSS by role, CPU s by role)
        self.cpu: dict[int, tuple[str, float]] = {}             # pid → (role, CPU seconds so far)

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind, seconds in self.cpu.values():
            out[kind] = out.get(kind, 0.0) + seconds
        return out

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        sample = 0
        while not self.stop.is_set():
            total, pss, roles = 0, 0, {}
            sample += 1
            with_pss = sample % 5 == 0  # reading PSS walks each process's pages: once a second
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        rss = p.memory_info().rss
                        if with_pss:
                            pss += getattr(p.memory_full_info(), "pss", rss)
                        known = self.cpu.get(p.pid)
                        kind = known[0] if known else role(p)  # an ending process has no command line left
                        times = p.cpu_times()
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                    self.cpu[p.pid] = (kind, times.user + times.system)
                    total += rss
                    roles[kind] = roles.get(kind, 0) + rss
            except psutil.NoSuchProcess:
                return
            self.timeline.append((time.perf_counter(), roles, self.cpu_by_role()))
            if total > self.peak:
                self.peak, self.at_peak = total, roles
            self.peak_pss = max(self.peak_pss, pss)
            self.stop.wait(0.2)


def run_measured(args: list[str], env: dict[str, str], log: Path) -> tuple[float, int, float | None]:
    """Run a command; returns (wall seconds, peak tree RSS bytes, seconds until the flow began)."""
    started = time.perf_counter()
    began: float | None = None
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        memory = TreeMemory(proc.pid)
        memory.start()
        for line in proc.stdout:
            out.write(line)
            if began is None and "Beginning flow run" in line:
                began = time.perf_counter() - started
        proc.wait()
        memory.stop.set()
        memory.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}); see {log}")
    with log.with_suffix(".memory.csv").open("w") as out:  # RSS (MB) and cores busy by role, every second
        kinds = sorted({k for _, roles, _ in memory.timeline for k in roles})
        out.write(",".join(["seconds", *kinds, *(f"cores {k}" for k in kinds)]) + "\n")
        sampled = memory.timeline[::5]
        for (t, roles, cpu), (t0, _, cpu0) in zip(sampled, [sampled[0], *sampled]):
            busy = [(cpu.get(k, 0.0) - cpu0.get(k, 0.0)) / max(t - t0, 1e-9) for k in kinds]
            out.write(",".join([f"{t - started:.1f}", *(str(roles.get(k, 0) // 2**20) for k in kinds),
                                *(f"{b:.2f}" for b in busy)]) + "\n")
    held = ", ".join(f"{k} {v / 2**20:,.0f}" for k, v in sorted(memory.at_peak.items(), key=lambda kv: -kv[1]))
    print(f"  at the peak of {memory.peak / 2**20:,.0f} MB (MB): {held}; peak PSS (shared pages counted once) "
          f"{memory.peak_pss / 2**20:,.0f} MB", flush=True)
    spent = memory.cpu_by_role()
    print(f"  CPU seconds ({sum(spent.values()):,.0f} in all, {cores()} cores × {time.perf_counter() - started:.0f} s "
          f"of wall time): " + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1])),
          flush=True)
    return time.perf_counter() - started, memory.peak, began


def fresh_data(base: Path, name: str, sample_cache: Path) -> Path:
    data = base / "runs" / name
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    (data / "sample_market").symlink_to(sample_cache.resolve(), target_is_directory=True)
    return data


def env_for(data: Path, workers: int | None = None, scale: str = "market-year") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABS_ETL_")}
    env.update(ABS_ETL_PATHS__DATA_DIR=str(data), ABS_ETL_SOURCES__SAMPLE_MARKET__SCALE=scale,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
               PYTHONUNBUFFERED="1")
    env.setdefault("PREFECT_HOME", str(data / "prefect-home"))
    if workers:
        env["ABS_ETL_PIPELINE__MAX_WORKERS"] = str(workers)
    return env


def last_run(data: Path) -> dict:
    return json.loads((data / "warehouse" / "last_run.json").read_text(encoding="utf-8"))


PLAIN = """
import sys
from contextlib import ExitStack
from pipeline.run import run_job
from pipeline.sources import download_concurrency, open_sources
from settings import get_settings

if __name__ == "__main__":
    s = get_settings()
    with ExitStack() as serving:
        sources = serving.enter_context(open_sources(s, "sample_market"))
        summary = run_job(s, sources, download_concurrency=download_concurrency(s, "sample_market"),
                          sources_done=serving.close)
    print(summary["message"])
"""


def with_raw_store(data: Path, donor: Path) -> None:
    """Give ``data`` the raw store of an earlier run in ``donor``: its documents are then listed
    but not downloaded (blobs hard-linked, the index copied)."""
    shutil.copytree(donor / "raw", data / "raw", copy_function=lambda src, dst: (
        shutil.copy2(src, dst) if Path(src).name.startswith("index") else os.link(src, dst)))


def job(base: Path, name: str, sample_cache: Path, *, plain: bool = False, workers: int | None = None,
        scale: str = "market-year", raw_from: Path | None = None) -> dict:
    data = fresh_data(base, name, sample_cache)
    if raw_from is not None:
        with_raw_store(data, raw_from)
    if plain:
        script = base / "plain_run.py"
        script.write_text(PLAIN)
        args = [sys.executable, str(script)]
    else:
        args = [str(Path(sys.executable).parent / "abs-etl"), "run", "--scale", scale]
    wall, peak, began = run_measured(args, env_for(data, workers, scale), base / "runs" / f"{name}.log")
    summary = last_run(data)
    return {"name": name, "wall_s": wall, "peak_mb": peak / 2**20, "startup_s": began, "summary": summary,
            "documents": summary.get("documents_fetched", 0), "timings": summary.get("timings", {})}


def parse_rate(n: int = 120) -> tuple[float, float]:
    """Our trustee-report parse and raw pypdfium2 text, documents/s on one core (CPU time)."""
    import random
    import tempfile

    import parse_reports as pr

    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="market-year-parse-") as tmp:
        paths = []
        for i in range(n):
            path = Path(tmp) / f"r{i:04d}.pdf"
            path.write_bytes(pr.render_trustee_report(pr.sample_report(rng, i), pr.TEMPLATES[i % len(pr.TEMPLATES)], "pdf"))
            paths.append(path)
        ours, _ = pr.timed(paths, pr.parse_trustee_report, 2)
        raw, _ = pr.timed(paths, pr.raw_text, 2)
    return 1 / ours, 1 / raw


def cores() -> int:
    return len(os.sched_getaffinity(0))


def report(run: dict, rate: float, baseline: dict | None) -> None:
    t, docs = run["wall_s"], run["documents"]
    print(f"\n== {run['name']}: {docs:,} documents — {run['summary'].get('message', '')}")
    print(f"{'stage':<12}{'seconds':>10}")
    for stage in STAGES:
        if stage in run["timings"]:
            print(f"{stage[:-2]:<12}{run['timings'][stage]:>10.1f}")
    print(f"{'whole run':<12}{t:>10.1f}   ({docs / t:,.0f} documents/s; Prefect start-up "
          f"{run['startup_s'] or 0:.1f} s; fetch and parse overlap)")
    print(f"peak RSS of the process tree: {run['peak_mb']:,.0f} MB")
    floor = docs / rate / cores()
    print(f"parse floor: {docs:,} ÷ {rate:,.0f} documents/s per core ÷ {cores()} cores = {floor:.1f} s; "
          f"run ÷ floor = {t / floor:.2f}")
    if baseline is not None:
        share = (t - baseline["wall_s"]) / t
        inside = (t - (run["startup_s"] or 0) - baseline["wall_s"]) / t
        print(f"without Prefect (pipeline.run.run_job, same stages): {baseline['wall_s']:.1f} s, peak "
              f"{baseline['peak_mb']:,.0f} MB → Prefect's share of the run {share:.0%} "
              f"({inside:.0%} after start-up)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "bench", help="cache and run directories")
    parser.add_argument("--scaling", action="store_true", help="also 0.25× and 0.5×, and 1 vs 2 parse workers")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without Prefect")
    parser.add_argument("--parse-rate", type=float, help="our parse, documents/s per core (default: measure)")
    parser.add_argument("--scale", choices=("market-year", "seed"), default="market-year",
                        help="seed: the same measurements on the 1,439-document seed world (a quick check)")
    args = parser.parse_args(argv)
    base = args.data.resolve()
    base.mkdir(parents=True, exist_ok=True)
    print(f"machine: {cores()} cores; load average {os.getloadavg()[0]:.2f}, {os.getloadavg()[1]:.2f}, "
          f"{os.getloadavg()[2]:.2f}")
    cache = base / f"{args.scale}-cache"
    world = market_year(cache, args.scale)
    if args.parse_rate:
        rate, raw = args.parse_rate, None
    else:
        rate, raw = parse_rate()
        print(f"parse rate on one core: ours {rate:,.0f} documents/s, raw pypdfium2 text {raw:,.0f}/s "
              f"(ours = {rate / raw:.0%} of raw)")
    runs = []
    if args.scaling:
        for fraction in (0.25, 0.5):
            part = base / f"market-year-{fraction:g}"
            subset(world, fraction, part)
            runs.append(job(base, f"{fraction:g}x market-year", part))
            report(runs[-1], rate, None)
        quarter = base / "market-year-0.25"
        one = job(base, "0.25x on 1 worker (no Prefect)", quarter, plain=True, workers=1)
        two = job(base, "0.25x on 2 workers (no Prefect)", quarter, plain=True, workers=2)
        p1, p2 = one["timings"].get("parse_s", 0), two["timings"].get("parse_s", 0)
        print(f"\nparse stage within the run, 0.25×: 1 worker {p1:.1f} s, 2 workers {p2:.1f} s → "
              f"{p1 / p2 if p2 else 0:.2f}× (whole runs {one['wall_s']:.1f} s and {two['wall_s']:.1f} s; "
              "downloads share the cores)")
        # the parse stage alone: the same job on a raw store that already holds the documents
        donor = base / "runs" / one["name"]
        alone = [job(base, f"0.25x parse alone on {n} worker{'s' * (n > 1)} (no Prefect)", quarter, plain=True,
                     workers=n, raw_from=donor)["timings"].get("parse_s", 0) for n in (1, 2)]
        print(f"parse stage alone (documents already in the raw store), 0.25×: 1 worker {alone[0]:.1f} s, "
              f"2 workers {alone[1]:.1f} s → {alone[0] / alone[1] if alone[1] else 0:.2f}×")
    full = job(base, f"1x {args.scale}", cache, scale=args.scale)
    baseline = None if args.no_baseline else job(base, f"1x {args.scale} without Prefect", cache, plain=True,
                                                 scale=args.scale)
    report(full, rate, baseline)
    runs.append(full)
    if args.scaling:
        print(f"\n{'scale':<20}{'documents':>10}{'seconds':>10}{'s per 1k docs':>15}{'peak MB':>10}")
        for r in runs:
            print(f"{r['name']:<20}{r['documents']:>10,}{r['wall_s']:>10.1f}{1000 * r['wall_s'] / max(r['documents'], 1):>15.2f}"
                  f"{r['peak_mb']:>10,.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"{args.scale}: {full['documents']:,} documents, {full['wall_s']:.0f} s, peak RSS {full['peak_mb']:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
