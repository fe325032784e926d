"""What the pre-parse screening costs next to the parse it guards.

Every document is screened (size, sniffing, ZIP central directory, PDF streams inflated
against the budget, page count, JSON depth) before it is parsed. This reads the documents of a
generated sample market and times, in one process on one core, the screening alone and the
parse alone (recognise the family, run its parser — what ``pipeline.hooks.parse_document``
does after screening), and prints both per format with the screening's share.

    python bench/screening.py [--dir DATA/sample_market/<generated>] [--limit 600]

Without ``--dir`` the seed market is generated (or reused) under a temporary directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.limits import screen_document  # noqa: E402
from settings import Limits  # noqa: E402
from transforms.parse.base import DocumentError  # noqa: E402
from transforms.sniff import sniff  # noqa: E402


def parse(data: bytes, name: str) -> None:
    """The parse without the screening (aliases and codes left empty: timing only)."""
    from transforms.parse.detect import TRUSTEE_REPORT, detect_doc_type, parser_for
    from transforms.parse.trustee_report import parse_trustee_report

    kind = detect_doc_type(data, name, "")
    if kind == TRUSTEE_REPORT:
        parse_trustee_report(data, file_name=name)
    elif kind in ("amc_bonds", "amc_financials", "amc_registry"):
        parser_for(kind)(data, file_name=name, aliases={})
    else:
        parser_for(kind)(data, file_name=name)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--dir", type=Path, help="a generated sample market (holds manifest.jsonl)")
    args.add_argument("--limit", type=int, default=600, help="documents to time (spread over the market)")
    options = args.parse_args()
    directory = options.dir
    if directory is None:
        from sample_market.generate import ensure_generated

        directory = ensure_generated(Path(tempfile.gettempdir()) / "abs-etl-bench-market", scale="seed", seed=20251231)
    from sample_market.manifest import read_manifest

    entries = read_manifest(directory)
    step = max(len(entries) // options.limit, 1)
    limits = Limits()
    screen_s: dict[str, float] = defaultdict(float)
    parse_s: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for entry in entries[::step]:
        data = entry.path(directory).read_bytes()
        kind = sniff(data).file_format
        t = time.perf_counter()
        try:
            screen_document(data, limits)
        except DocumentError:
            continue  # refused documents are not parsed: nothing to compare
        screen_s[kind] += time.perf_counter() - t
        t = time.perf_counter()
        try:
            parse(data, entry.file_name or "")
        except Exception:  # noqa: BLE001 - the broken variants of the market fail here; still timed
            pass
        parse_s[kind] += time.perf_counter() - t
        count[kind] += 1
    print(f"market: {directory} ({len(entries)} documents, {sum(count.values())} timed)")
    print(f"{'format':8} {'docs':>6} {'screen ms/doc':>14} {'parse ms/doc':>13} {'screen/parse':>13}")
    for kind in sorted(count):
        n = count[kind]
        print(f"{kind:8} {n:6d} {1000 * screen_s[kind] / n:14.2f} {1000 * parse_s[kind] / n:13.2f} "
              f"{screen_s[kind] / parse_s[kind]:12.1%}")
    total_screen, total_parse = sum(screen_s.values()), sum(parse_s.values())
    print(f"{'all':8} {sum(count.values()):6d} {1000 * total_screen / sum(count.values()):14.2f} "
          f"{1000 * total_parse / sum(count.values()):13.2f} {total_screen / total_parse:12.1%}")


if __name__ == "__main__":
    main()
