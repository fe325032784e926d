"""Scale-out numbers: parse throughput on Dask (1 vs 2 workers), DuckLake vs DuckDB-file publish
of the seed warehouse, and figure-query latency on both backends.

    python bench/cluster.py [--repeat 10] [--batch-size 200] [--rounds 3] [--keep] [--skip-parse]

What it does, all on this machine and on loopback:

1. generates the seed sample market and keeps its 832 trustee reports in a local raw store
   (each parsed ``--repeat`` times: alone they parse in seconds, too little to measure);
2. parses the trustee reports as the main job does (``pipeline.batches.parse_batch``: batches,
   each document in an isolated child process, rows to Parquet) in this process (the baseline:
   parse-seconds per document per core), then mapped over a Dask cluster of worker *processes*
   with 1 and with 2 workers (the same batches, one thread per worker) and prints
   ``dask parse: 2 workers R× 1 worker``;
3. builds the seed warehouse once with `abs-etl run` (DuckDB file), starts a private PostgreSQL
   and S3 store (``cluster.control``), and times publishing that warehouse's content through each
   backend: a file build (copy, write, checkpoint + rename) and a lake build (one transaction,
   Parquet files on S3, one snapshot commit);
4. times every figure-catalogue query, best of ``--rounds``, on the file and on the lake.

Numbers depend on the machine's load: say which machine and how busy it was when you quote them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SEED = 20251231


def batch_specs(reports, work: Path, size: int) -> list:
    """The trustee reports as the main job's parse batches (``pipeline.batches.BatchSpec``): an
    empty warehouse's names and schema, rows written under ``work``."""
    import duckdb

    from pipeline.batches import BatchSpec, batch_label
    from pipeline.hooks import ParseContext
    from warehouse.load import polars_schemas
    from warehouse.migrate import apply_migrations
    from warehouse.tables import RULES

    con = duckdb.connect()
    apply_migrations(con)
    schemas = polars_schemas(con, RULES)
    con.close()
    chunks = [tuple(reports[i:i + size]) for i in range(0, len(reports), size)]
    return [BatchSpec(batch_id=f"{i:05d}", label=batch_label("trustee_report", i * size + 1, i * size + len(c), len(reports)),
                      documents=c, context=ParseContext(), work_dir=work, schemas=schemas)
            for i, c in enumerate(chunks)]


def counted(results) -> tuple[int, int, int]:
    """(documents, rows, quarantined) of parse batch results."""
    docs = [d for r in results for d in r.documents]
    return len(docs), sum(sum(d.rows.values()) for d in docs), sum(1 for d in docs if d.error is not None)


def documents(sample_dir: Path, raw_dir: Path):
    """The sample market's trustee reports in a local raw store."""
    import json

    from warehouse.rawstore import RawStore

    store = RawStore(raw_dir)
    stored = []
    for line in (sample_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        stored.append(store.put((sample_dir / entry["rel_path"]).read_bytes(), source="bench",
                                source_doc_id=entry["rel_path"], title=entry["title"], file_name=entry["file_name"],
                                published_at=entry["published_at"], doc_type_hint=entry["doc_type"]))
    return sorted(stored, key=lambda d: d.source_doc_id)


def _warm() -> bool:
    """A Dask worker's parse worker started and its parsers imported before the clock runs."""
    from pipeline.batches import _checkin, _checkout
    from pipeline.isolation import WorkerLimits

    _checkin(_checkout(WorkerLimits()))
    return True


def bench_parse(sample_dir: Path, work: Path, repeat: int, size: int) -> dict[str, float]:
    """The main job's parse batches (``pipeline.batches.parse_batch``: each document in an isolated
    child process, rows to Parquet) in this process, then on Dask with 1 and with 2 workers.

    The seed market's trustee reports parse in a few seconds, less than the cost of starting a
    run's tasks: each is parsed ``repeat`` times (the same bytes, the same work) so that every
    configuration parses for long enough to measure throughput, in batches of ``size`` as the
    main job does (``pipeline.batch_size``)."""
    from distributed import Client, LocalCluster

    from pipeline.batches import close_workers, parse_batch

    every = documents(sample_dir, work / "raw")
    one = [d for d in every if d.doc_type_hint == "trustee_report"]
    reports = one * repeat
    n = len(reports)
    parse_batch(batch_specs(reports[:10], work / "warm", 10)[0])   # this process's parse worker warm (untimed)
    started = time.perf_counter()
    docs, rows, errors = counted(parse_batch(spec) for spec in batch_specs(reports, work / "one", size))
    sequential = time.perf_counter() - started
    print(f"parse, one process:   {n} trustee reports in {sequential:6.2f} s  "
          f"({n / sequential:5.1f} docs/s; {sequential / n * 1000:.1f} ms per document per core; "
          f"{rows:,} rows, {errors} quarantined)")
    out = {"sequential_s": sequential, "documents": n, "report_bytes": sum(d.size_bytes for d in one) / len(one)}
    started = time.perf_counter()
    counted(parse_batch(spec) for spec in batch_specs(every, work / "every", size))
    out["every_s"], out["every"] = time.perf_counter() - started, len(every)
    out["every_bytes"] = sum(d.size_bytes for d in every)
    close_workers()
    print(f"parse, one process:   all {len(every):,} seed documents in {out['every_s']:6.2f} s  "
          f"({out['every_s'] / len(every) * 1000:.1f} ms per document per core; offering circulars, "
          "exports and curves with the trustee reports)")
    for workers in (1, 2):
        specs = batch_specs(reports, work / f"dask-{workers}-rows", size)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1", local_directory=str(work / f"dask-{workers}")) as cluster, \
                Client(cluster) as client:
            client.run(_warm)
            started = time.perf_counter()
            results = client.gather(client.map(parse_batch, specs, pure=False))
            seconds = time.perf_counter() - started
        assert counted(results) == (docs, rows, errors), "Dask parsed the batches differently"
        out[f"dask_{workers}_s"] = seconds
        print(f"parse, Dask {workers} worker{'s' if workers > 1 else ' '}: {n} trustee reports in {seconds:6.2f} s  "
              f"({n / seconds:5.1f} docs/s, {len(specs)} batches of {size})")
    out["ratio"] = out["dask_1_s"] / out["dask_2_s"]
    print(f"dask parse: 2 workers {out['ratio']:.2f}× 1 worker  (target ≥ 1.7×; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")
    return out


def seed_warehouse(sample_dir: Path, work: Path) -> Path:
    """The seed warehouse built by `abs-etl run` on this machine (DuckDB file, temporary Prefect server)."""
    import subprocess

    data = work / "file-data"
    data.mkdir()
    (data / "sample_market").symlink_to(sample_dir.parent, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ABS_ETL_"))}
    env.update({"ABS_ETL_PATHS__DATA_DIR": str(data), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_HOME": str(work / "prefect-home")})
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "abs-etl"), "run"], cwd=Path(__file__).resolve().parents[1],
                   env=env, check=True, capture_output=True, timeout=3600)
    print(f"seed warehouse built on one machine by `abs-etl run` in {time.perf_counter() - started:.1f} s")
    return data / "warehouse" / "abs_warehouse.duckdb"


def copy_into(build, source: Path) -> None:
    """Write the seed warehouse's rows into a build (what a full rebuild publishes)."""
    import duckdb

    from warehouse.marts import apply_marts

    con = build.connect()
    seed = duckdb.connect(str(source), read_only=True)
    try:
        tables = seed.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN "
                              "('raw', 'core', 'dq') ORDER BY 1, 2").fetchall()
        for schema, table in tables:
            con.register("_seed_rows", seed.table(f"{schema}.{table}").arrow())
            con.execute(f"DELETE FROM {schema}.{table}")
            con.execute(f"INSERT INTO {schema}.{table} SELECT * FROM _seed_rows")
            con.unregister("_seed_rows")
    finally:
        seed.close()
    apply_marts(con)


def bench_publish(backend, source: Path, label: str) -> dict[str, float]:
    started = time.perf_counter()
    with backend.writer_lock():
        build = backend.start_build(f"bench-{label}")
        try:
            copy_into(build, source)
            written = time.perf_counter()
            build.publish()
        except BaseException:
            build.discard()
            raise
    done = time.perf_counter()
    print(f"publish seed warehouse, {label:9s}: {done - started:6.2f} s  (write {written - started:5.2f} s, "
          f"publish step {done - written:5.2f} s)")
    return {"total_s": done - started, "publish_s": done - written}


def bench_figures(con, label: str, rounds: int) -> list[float]:
    from warehouse.figures import load_catalogue, run_figure

    times = []
    for figure in load_catalogue():
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            run_figure(con, figure)
            best = min(best, time.perf_counter() - started)
        times.append(best * 1000)
    print(f"figure queries, {label:9s}: {len(times)} figures, median {statistics.median(times):6.1f} ms, "
          f"p90 {sorted(times)[int(len(times) * 0.9)]:6.1f} ms, max {max(times):6.1f} ms (best of {rounds})")
    return times


def lake_services(work: Path):
    """A private PostgreSQL and S3 store for the lake (the cluster's own code, two services)."""
    from cluster.control import HostCluster
    from cluster.processes import free_loopback_ports
    from settings import Settings

    settings = Settings()
    settings.paths.data_dir = work / "lake-client"
    state = work / "cluster"
    state.mkdir()
    settings.cluster.state_dir = state
    settings.cluster.roles = {"bench": ["postgres", "s3"]}
    pg, s3, master, volume, filer = free_loopback_ports(5)
    settings.cluster.postgres.port = pg
    settings.cluster.s3.port, settings.cluster.s3.master_port = s3, master
    settings.cluster.s3.volume_port, settings.cluster.s3.filer_port = volume, filer
    settings.warehouse.backend, settings.raw_store.backend = "ducklake", "s3"
    host = HostCluster(settings, "bench", say=lambda text: print("  " + text))
    return settings, host


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="parse each trustee report this many times")
    parser.add_argument("--batch-size", type=int, default=200, help="documents per parse batch (pipeline.batch_size)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--skip-parse", action="store_true", help="only the publish and query numbers")
    parser.add_argument("--parse-only", action="store_true", help="only the parse numbers (no PostgreSQL, no S3)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from sample_market.generate import ensure_generated
    from warehouse.backends import open_backend

    work = Path(tempfile.mkdtemp(prefix="abs-etl-bench-cluster-"))
    work.chmod(0o711)  # PostgreSQL runs as `postgres` when we are root: it must reach its folder
    print(f"bench/cluster.py on {socket.gethostname()}: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"work in {work}")
    host = None
    try:
        sample_dir = ensure_generated(work / "file-data-sample" / "sample_market", scale="seed", seed=SEED)
        parse = None if args.skip_parse else bench_parse(sample_dir, work, args.repeat, args.batch_size)
        if args.parse_only:
            return 0
        source = seed_warehouse(sample_dir, work)
        settings, host = lake_services(work)
        host.up()
        file_settings = settings.model_copy(deep=True)
        file_settings.warehouse.backend = "duckdb"
        file_settings.paths.data_dir = work / "publish-file"
        file_backend, lake_backend = open_backend(file_settings), open_backend(settings)
        file_publish = bench_publish(file_backend, source, "duckdb")
        lake_publish = bench_publish(lake_backend, source, "ducklake")
        print(f"ducklake publish: {lake_publish['total_s'] / file_publish['total_s']:.2f}× the DuckDB file publish "
              f"(commit {lake_publish['publish_s']:.2f} s vs rename {file_publish['publish_s']:.2f} s)")
        file_con, lake_con = file_backend.open_read_only(), lake_backend.open_read_only()
        try:
            file_ms = bench_figures(file_con, "duckdb", args.rounds)
            lake_ms = bench_figures(lake_con, "ducklake", args.rounds)
        finally:
            file_con.close()
            lake_con.close()
        print(f"figure queries: ducklake median {statistics.median(lake_ms) / statistics.median(file_ms):.2f}× duckdb")
        if parse:
            per_doc = parse["sequential_s"] / parse["documents"]
            print(f"capacity inputs: {per_doc * 1000:.1f} ms parse per trustee report per core, "
                  f"{parse['every_s'] / parse['every'] * 1000:.1f} ms per seed document per core, "
                  f"{parse['report_bytes'] / 1024:.0f} KiB per trustee report, "
                  f"{parse['every_bytes'] / parse['every'] / 1024:.0f} KiB per seed document")
    finally:
        if host is not None:
            host.down()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
