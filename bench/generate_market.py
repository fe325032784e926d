"""How long the sample market takes to generate: ``seed`` against ``market-year``.

``market-year`` is meant to be a whole year of the China ABS market (≈2,000 deals valued in
2025 and 25,000+ periodic trustee reports, plus market data) for benchmarks, so how long it
takes to build and render decides whether a benchmark run can regenerate it. For each scale
this builds the world once on its own (world build seconds), then runs
``sample_market.generate.generate`` into a temporary directory (which builds the world again
and renders, writes and checksums every document, the manifest and the truth) and prints:
world build seconds, documents by doc_type, trustee-report documents and the periodic reports
behind them (``core.pool_performance`` rows), bytes written, total seconds and documents per
second. The last table is market-year ÷ seed for every figure — the in-run baseline, so runs
on different machines compare by ratio.

    python bench/generate_market.py [--seed 20251231] [--scales seed market-year] [--json out.json] [--keep DIR]

Generation renders with up to four forked workers (``min(4, cpu_count)``); the printed
``workers`` says how many this machine used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from sample_market.generate import generate  # noqa: E402
from sample_market.world import build_world  # noqa: E402

RATIO_KEYS = ("world_build_s", "deals", "deals_valued_in_2025", "periodic_reports", "documents",
              "trustee_report_documents", "document_bytes", "total_bytes", "total_s", "documents_per_s")  # fmt: skip


def measure(scale: str, seed: int, base: Path) -> dict:
    started = time.perf_counter()
    world = build_world(scale=scale, seed=seed)
    build_s = time.perf_counter() - started
    deals = world.rows("core.deals")
    facts = {
        "deals": len(deals),
        "deals_valued_in_2025": sum(1 for d in deals if d.get("value_date") and d["value_date"].year == 2025),
        "periodic_reports": len(world.rows("core.pool_performance")),
        "deals_with_reports": len({r["deal_id"] for r in world.rows("core.pool_performance")}),
    }
    del world, deals
    out = base / scale
    result = generate(out, scale=scale, seed=seed)
    outcomes = pl.read_parquet(out / "expected_outcomes.parquet")
    by_type = Counter(outcomes["doc_type"].to_list())
    document_bytes = sum((out / p).stat().st_size for p in outcomes["rel_path"].to_list())
    total_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    trustee = outcomes.filter(pl.col("doc_type") == "trustee_report")
    return {
        "scale": scale,
        "seed": seed,
        "workers": max(1, min(4, os.cpu_count() or 1)),
        "world_build_s": round(build_s, 2),
        **facts,
        "documents": result.documents,
        "documents_by_type": dict(sorted(by_type.items())),
        "trustee_report_documents": trustee.height,
        "trustee_reports_loaded": trustee.filter(pl.col("expected_outcome") == "loaded").height,
        "document_bytes": document_bytes,
        "total_bytes": total_bytes,
        "total_s": round(result.seconds, 2),
        "documents_per_s": round(result.documents / result.seconds, 1),
    }


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def show(m: dict) -> None:
    print(f"\n== {m['scale']} (seed {m['seed']}, {m['workers']} workers) ==")
    print(f"world build          {m['world_build_s']:>10.2f} s")
    print(f"deals                {m['deals']:>10,}   valued in 2025: {m['deals_valued_in_2025']:,}")
    print(f"periodic reports     {m['periodic_reports']:>10,}   (core.pool_performance rows, {m['deals_with_reports']:,} deals)")
    print(f"trustee reports      {m['trustee_report_documents']:>10,}   documents ({m['trustee_reports_loaded']:,} expected to load)")
    print(f"documents            {m['documents']:>10,}")
    for doc_type, n in m["documents_by_type"].items():
        print(f"  {doc_type:<26}{n:>8,}")
    print(f"bytes                {_mb(m['document_bytes']):>13} documents, {_mb(m['total_bytes'])} with manifest and truth")
    print(f"total                {m['total_s']:>10.2f} s   ({m['documents_per_s']:,.1f} documents/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20251231)
    parser.add_argument("--scales", nargs="+", default=["seed", "market-year"])
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--keep", type=Path, help="generate under this directory and keep the output")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="abs-generate-bench-"))
    results = {}
    try:
        for scale in args.scales:
            results[scale] = measure(scale, args.seed, base)
            show(results[scale])
            if not args.keep:
                shutil.rmtree(base / scale, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    if {"seed", "market-year"} <= results.keys():
        seed, year = results["seed"], results["market-year"]
        print("\n== market-year / seed (in-run baseline) ==")
        for key in RATIO_KEYS:
            print(f"  {key:<34}{year[key] / seed[key]:>8.2f}×" if seed[key] else f"  {key:<34}{'n/a':>8}")
        docs = set(seed["documents_by_type"]) | set(year["documents_by_type"])
        for doc_type in sorted(docs):
            a, b = seed["documents_by_type"].get(doc_type, 0), year["documents_by_type"].get(doc_type, 0)
            print(f"  documents[{doc_type}]".ljust(36) + (f"{b / a:>8.2f}×" if a else f"{'n/a':>8}"))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
