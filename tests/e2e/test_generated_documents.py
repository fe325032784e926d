"""The generated sample market: every document opens with standard readers, and generation is
byte-for-byte reproducible (the manifest of SHA-256s proves it)."""

from __future__ import annotations

import codecs
import json

import fastexcel
import polars as pl
import pypdfium2 as pdfium
import pytest

from sample_market.generate import generate
from sample_market.manifest import read_manifest, verify_manifest

pytestmark = pytest.mark.slow

# what the exchange-ABS and ABN families say about themselves (trustee reports: 受托机构, 资产池)
VENUE_WORDS = {"income_distribution": ("收益分配", "每份"), "asset_management_report": ("资产管理报告", "基础资产"),
               "abn_operating_report": ("资产运营报告", "资产池")}

def test_manifest_matches_the_files(sample_dir):
    assert verify_manifest(sample_dir) == []


def test_every_document_opens_with_standard_readers(sample_dir):
    variants = dict(pl.read_parquet(sample_dir / "expected_outcomes.parquet").select("rel_path", "variant").iter_rows())
    counts = {"pdf": 0, "xlsx": 0, "csv": 0, "json": 0}
    encodings = set()
    for entry in read_manifest(sample_dir):
        data = (sample_dir / entry.rel_path).read_bytes()
        broken = variants[entry.rel_path] in {"truncated"}
        ext = entry.rel_path.rsplit(".", 1)[-1]
        if broken:
            continue
        if ext == "pdf":
            pdf = pdfium.PdfDocument(data)
            text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
            pdf.close()
            if entry.rel_path.startswith("issuance/"):  # 发行说明书 / 发行结果公告
                assert "发行" in text and ("资产池" in text or "证券代码" in text), entry.rel_path
            elif variants[entry.rel_path] not in ("english", "image_only"):  # a scan has no text to find
                words = VENUE_WORDS.get(entry.doc_type, ("受托机构", "资产池"))
                flat = "".join(text.split())  # a title may wrap inside a word
                assert all(word in flat for word in words), entry.rel_path  # embedded CJK font
        elif ext == "xlsx":
            reader = fastexcel.read_excel(data)
            assert reader.sheet_names, entry.rel_path
            reader.load_sheet(0, header_row=None)
        elif ext == "csv":
            header = data.decode(entry.encoding).splitlines()[0]  # strict: the declared encoding, no guessing
            assert "," in header and any("\u4e00" <= ch <= "\u9fff" for ch in header), entry.rel_path
            assert data.startswith(codecs.BOM_UTF8) == (entry.encoding == "utf-8-sig"), entry.rel_path  # BOM declared
            encodings.add(entry.encoding)
        elif ext == "json":
            records = json.loads(data.decode(entry.encoding))["data"]
            assert records and "曲线名称" in records[0], entry.rel_path
        else:
            raise AssertionError(f"unexpected format {entry.rel_path}")
        counts[ext] += 1
    assert all(counts.values()), counts
    assert encodings == {"utf-8", "utf-8-sig", "gb18030"}  # the market's mix, each declared


def test_same_seed_gives_byte_identical_documents(sample_dir, tmp_path):
    again = generate(tmp_path / "again", scale="seed", seed=20251231)
    assert (again.directory / "checksums.txt").read_text() == (sample_dir / "checksums.txt").read_text()
    manifest = [json.loads(line) for line in (sample_dir / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == again.documents
