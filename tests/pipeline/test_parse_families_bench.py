"""bench/parse_families.py reads a generated market, weights every family and compares PDFs with
raw pypdfium2 (a small sample: the numbers are the bench's job, the accounting is tested here)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("parse_families", ROOT / "bench" / "parse_families.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["parse_families"] = module
    spec.loader.exec_module(module)
    return module


def test_every_distinct_document_is_weighted_and_pdfs_are_compared_with_raw_text(seed_market, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # as when run as a script: it imports parse_reports
    rows = [json.loads(line) for line in (seed_market / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    distinct = Counter(row["doc_type"] for row in {row["doc_id"]: row for row in rows}.values())

    assert _bench().main(["--world", str(seed_market), "--n", "2", "--rounds", "1"]) == 0

    out = capsys.readouterr().out
    printed = {m.group(1): int(m.group(2).replace(",", ""))
               for m in re.finditer(r"^(\w+)\s+([\d,]+)\s+\d+\s+\d+\s", out, re.MULTILINE)}
    assert printed == dict(distinct)  # every family once, counted by distinct bytes
    assert f"for {sum(distinct.values()):,} documents" in out
    # a PDF family is compared with raw pypdfium2, a workbook family is not
    assert re.search(r"^trustee_report .*\d+%", out, re.MULTILINE)
    assert re.search(r"^issuance_export .*—", out, re.MULTILINE)
    share = re.search(r"ours runs at (\d+)% of raw pypdfium2's speed", out)
    assert share and 0 < int(share.group(1)) <= 100
