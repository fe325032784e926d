"""How fast each document family parses, against raw pypdfium2 text, weighted by a market's mix.

``bench/parse_reports.py`` times trustee reports only; in a market year they are an eighth of
the documents, and the exchange and ABN reports (收益分配报告, 资产运营报告, 资产管理报告) are
most of the parse stage. This reads the documents of a generated sample market (the seed market
by default, generated once where ``abs-etl run`` keeps it; ``--world`` takes any generated market,
e.g. the market-year world ``bench/market_year.py`` caches), samples up to N documents a family,
and times in one process on one core (CPU time, best of a few passes, bytes preloaded):

- ours: the whole per-document path of a parse worker (``pipeline.hooks.parse_document``: the
  screen, the type detection and the family's parser);
- raw pypdfium2: open the PDF and extract every page's text (the floor of any pdfium reader).

Each family is weighted by its distinct documents in the market (a copy listed twice is parsed
once), which estimates the parse stage's CPU on one core and our speed as a share of raw
pypdfium2's over the documents a run really parses (the same PDFs on both sides; XLSX, JSON and
CSV families have no pdfium floor and are left out of that share).

    python bench/parse_families.py [--world DIR] [--n 150] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parse_reports import raw_text  # noqa: E402 - the raw pypdfium2 floor, as the trustee-report bench reads it
from pipeline.hooks import parse_document  # noqa: E402
from transforms.parse.base import DocumentError  # noqa: E402
from warehouse.rawstore import StoredDocument  # noqa: E402


def manifest(world: Path) -> list[dict]:
    """Every document the market publishes (a copy listed by two venues appears twice)."""
    with (world / "manifest.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def stored(row: dict, world: Path) -> StoredDocument:
    """The document as the raw store would hand it to a parse worker."""
    return StoredDocument(source="sample_market", source_doc_id=str(row.get("source_doc_id") or row["doc_id"]),
                          sha256=row["doc_id"], url=None, title=row.get("title"), file_name=row.get("file_name"),
                          published_at=row.get("published_at"), doc_type_hint=row.get("doc_type"), size_bytes=0,
                          first_seen_at="", last_seen_at="", path=world / row["rel_path"])


def ours(doc: StoredDocument, data: bytes) -> bool:
    """Parse as a worker does; True when the document parsed (a quarantine still counts its time)."""
    try:
        parse_document(doc, data, None)
    except DocumentError:
        return False
    return True


def best_cpu(run, items: list, rounds: int) -> float:
    """CPU seconds a document, best of ``rounds`` passes after a warm-up pass."""
    for item in items:
        run(*item)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for item in items:
            run(*item)
        best = min(best, (time.process_time() - started) / len(items))
    return best


def readable_pdf(data: bytes) -> bool:
    """A PDF pdfium opens (the market's broken-on-purpose PDFs have no raw floor to compare)."""
    if not data.startswith(b"%PDF"):
        return False
    try:
        raw_text(data)
    except Exception:  # noqa: BLE001 - truncated, encrypted: not part of the floor
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, help="a generated sample market (default: the seed market)")
    parser.add_argument("--n", type=int, default=150, help="documents sampled a family")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes; the best counts")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    world = args.world
    if world is None:
        from sample_market.generate import ensure_generated
        from settings import get_settings

        world = ensure_generated(get_settings().paths.sample_dir, scale="seed")  # where `abs-etl run` keeps it
    rows = manifest(world)
    rows = list({row["doc_id"]: row for row in rows}.values())  # a copy listed twice is parsed once
    counts = Counter(row["doc_type"] for row in rows)
    rng = random.Random(args.seed)
    print(f"{len(rows):,} distinct documents in {world.name}; up to {args.n} a family, one process, CPU time, best of "
          f"{args.rounds} passes")
    print(f"{'family':<28}{'in market':>10}{'sampled':>9}{'parsed':>8}{'ours ms':>9}{'ours PDF':>9}{'raw ms':>8}"
          f"{'% of raw':>9}{'est. CPU s':>11}")
    total_ours = total_raw = pdf_ours = 0.0
    for family, count in counts.most_common():
        family_rows = [r for r in rows if r["doc_type"] == family]
        sample = rng.sample(family_rows, min(args.n, len(family_rows)))
        docs = [(stored(r, world), (world / r["rel_path"]).read_bytes()) for r in sample]
        parsed = sum(ours(doc, data) for doc, data in docs)
        readable = [readable_pdf(data) for _, data in docs]
        pdfs = [item for item, ok in zip(docs, readable) if ok]
        others = [item for item, ok in zip(docs, readable) if not ok]
        ours_pdf = best_cpu(ours, pdfs, args.rounds) if pdfs else 0.0
        ours_other = best_cpu(ours, others, args.rounds) if others else 0.0
        ours_s = (ours_pdf * len(pdfs) + ours_other * len(others)) / len(docs)
        total_ours += ours_s * count
        raw_s = best_cpu(raw_text, [(data,) for _, data in pdfs], args.rounds) if len(pdfs) * 2 >= len(docs) else None
        if raw_s is not None:  # the share compares the same PDFs (a family may also come as XLSX)
            total_raw += raw_s * count
            pdf_ours += ours_pdf * count
        pdf_cells = f"{ours_pdf * 1e3:>9.2f}{raw_s * 1e3:>8.2f}{raw_s / ours_pdf:>9.0%}" if raw_s else \
            f"{'—':>9}{'—':>8}{'—':>9}"
        print(f"{family:<28}{count:>10,}{len(docs):>9}{parsed:>8}{ours_s * 1e3:>9.2f}{pdf_cells}{ours_s * count:>11.1f}")
    print(f"parse stage on one core, estimated from the mix: {total_ours:,.1f} CPU-s for {len(rows):,} documents "
          f"({len(rows) / total_ours:,.0f} documents/s)")
    if pdf_ours:
        print(f"over the PDF families: raw pypdfium2 text {total_raw:,.1f} CPU-s, ours {pdf_ours:,.1f} CPU-s: "
              f"ours runs at {total_raw / pdf_ours:.0%} of raw pypdfium2's speed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
