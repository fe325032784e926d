"""Generate the sample market: world → documents → files, manifest, expected outcomes, truth.

The output directory is self-describing: ``manifest.jsonl`` (what the server publishes),
``expected_outcomes.parquet`` (what the pipeline must do with each document), ``truth/``
(the rows the warehouse must end with) and ``checksums.txt`` (SHA-256 per file, to prove
byte-identical regeneration). Generation is cached by generator version, scale and seed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from sample_market.catalogue import GENERATOR_VERSION, GeneratedDocument, plan_documents
from sample_market.manifest import ManifestEntry, sha256_hex, write_manifest
from sample_market.truth import write_truth
from sample_market.world import build_world


@dataclass(frozen=True)
class GenerateResult:
    directory: Path
    documents: int
    seconds: float


def generate(out_dir: Path, scale: str = "seed", seed: int = 20251231) -> GenerateResult:
    """Write every document of the world into ``out_dir`` (replacing what was there)."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(scale=scale, seed=seed)
    documents = plan_documents(world, workers=max(1, min(4, os.cpu_count() or 1)))
    entries, outcomes, checksums = [], [], []
    for doc in documents:
        path = out_dir / doc.rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(doc.data)
        digest = sha256_hex(doc.data)
        checksums.append(f"{digest}  {doc.rel_path}")
        entries.append(ManifestEntry(
            doc_id=digest, rel_path=doc.rel_path, file_name=doc.file_name, title=doc.title,
            published_at=doc.published_at, channel=doc.channel, doc_type=doc.doc_type,
            source_doc_id=doc.source_doc_id, issue_year=doc.issue_year, curve_id=doc.curve_id, year=doc.year,
            encoding=doc.encoding, extra=dict(doc.extra or {}),
        ))
        outcomes.append({
            "document_id": digest, "rel_path": doc.rel_path, "title": doc.title, "doc_type": doc.doc_type,
            "channel": doc.channel, "expected_outcome": doc.expected_outcome, "expected_reason": doc.expected_reason,
            "variant": doc.variant,
        })
    write_manifest(out_dir, entries)
    pl.DataFrame(outcomes, infer_schema_length=None).write_parquet(out_dir / "expected_outcomes.parquet", statistics=False)
    (out_dir / "checksums.txt").write_text("\n".join(sorted(checksums)) + "\n", encoding="utf-8")
    write_truth(world, out_dir)
    return GenerateResult(out_dir, len(documents), time.perf_counter() - started)


SERVING = ("server.py", "server_process.py", "venues")
"""What serves a generated market over HTTP, under sample_market/: none of it shapes a document or
the truth (a test walks the generator's imports), so a change to the server keeps the cache."""


def fingerprinted_files() -> list[Path]:
    """The generator's code, data files and fonts, and the warehouse's migrations with the
    module that applies them and its quoting (the truth is written in the warehouse's schema).
    Nothing of transforms/ or pipeline/ (the generator imports neither) and nothing that only
    serves (``SERVING``): a change to the pipeline or the server never invalidates a market."""
    from warehouse.migrate import MIGRATIONS_DIR

    root = Path(__file__).resolve().parent
    own = [p for pattern in ("*.py", "*.ttf", "*.toml") for p in root.rglob(pattern)
           if p.relative_to(root).parts[0] not in SERVING]
    return sorted([*own, root.parent / "warehouse" / "migrate.py", root.parent / "warehouse" / "sql_text.py",
                   *MIGRATIONS_DIR.resolve().glob("*.sql")])


def generator_fingerprint() -> str:
    """A short hash of ``fingerprinted_files``: a changed generator never reuses a cache."""
    import hashlib

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in fingerprinted_files():
        digest.update(path.relative_to(root.parent).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def ensure_generated(base_dir: Path, scale: str = "seed", seed: int = 20251231) -> Path:
    """The generated directory for (version, scale, seed), generating it once if missing.

    Generation goes to a temporary sibling renamed into place, so a crash never leaves a
    half-written market that later runs would trust.
    """
    target = Path(base_dir) / f"{scale}-seed{seed}-v{GENERATOR_VERSION}-{generator_fingerprint()}"
    if (target / ".complete").exists():
        return target
    Path(base_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=base_dir, prefix=".generating-"))
    try:
        generate(tmp, scale=scale, seed=seed)
        (tmp / ".complete").write_text(GENERATOR_VERSION, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


__all__ = ["GeneratedDocument", "GenerateResult", "generate", "ensure_generated"]
