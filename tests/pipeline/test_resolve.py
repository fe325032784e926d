"""Exchange codes printed without a market suffix are resolved after parsing, as a join over
every tranche known — in the warehouse or declared by any document of the run, whatever the
order documents were parsed in — and a code that does not resolve quarantines its document
with the page and the code."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipeline.resolve import bare_code_map, resolve_bare_codes, unresolved_codes


@pytest.fixture
def con():
    """A warehouse that already holds one tranche (only the column the join reads)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core; CREATE TABLE core.tranches (tranche_id VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO core.tranches VALUES ('189012.SH')")
    yield con
    con.close()


def write(path, rows: list[dict]) -> str:
    pl.DataFrame(rows).write_parquet(path)
    return str(path)


def test_bare_codes_resolve_against_the_warehouse_and_every_declaring_document(con, tmp_path):
    tranches = write(tmp_path / "tranches.parquet", [
        {"tranche_id": "200001.SZ", "document_id": "announcement"},
        {"tranche_id": "300001.SH", "document_id": "announcement"},
        {"tranche_id": "300001.SZ", "document_id": "export"},
        {"tranche_id": "400001.SZ", "document_id": "quarantined-export"},
    ])
    payments = write(tmp_path / "payments.parquet", [
        {"document_id": "report-a", "_seq": 0, "tranche_id": "189012", "source_page": 2, "period_number": 1},
        {"document_id": "report-b", "_seq": 0, "tranche_id": "200001", "source_page": 3, "period_number": 1},
        {"document_id": "report-b", "_seq": 1, "tranche_id": "189012.SH", "source_page": 3, "period_number": 1},
        {"document_id": "report-c", "_seq": 0, "tranche_id": "200001.SZ", "source_page": 2, "period_number": 2},
        {"document_id": "report-c", "_seq": 1, "tranche_id": "300001", "source_page": 4, "period_number": 2},
        {"document_id": "report-d", "_seq": 0, "tranche_id": "999999", "source_page": 5, "period_number": 1},
        {"document_id": "report-d", "_seq": 1, "tranche_id": "300001", "source_page": 6, "period_number": 1},
        {"document_id": "report-e", "_seq": 0, "tranche_id": "400001", "source_page": 2, "period_number": 1},
    ])
    codes = bare_code_map(con, [tranches], candidates={"announcement", "export"})
    errors = unresolved_codes([payments], codes)
    assert set(errors) == {"report-c", "report-d", "report-e"}
    assert errors["report-c"].check == "unresolved_code" and errors["report-c"].page == 4
    assert "300001 has no market suffix and matches ['300001.SH', '300001.SZ']" in str(errors["report-c"])
    assert str(errors["report-d"]).startswith("security code 999999 has no market suffix and matches no known tranche")
    assert errors["report-d"].page == 5  # the first failing row of the document
    assert errors["report-e"].value == "400001"  # declared only by a document that is not loaded

    resolved = resolve_bare_codes(pl.scan_parquet(payments), codes).collect()
    assert resolved["tranche_id"].to_list() == [
        "189012.SH", "200001.SZ", "189012.SH", "200001.SZ", "300001", "999999", "300001", "400001"]
    assert resolved.columns == pl.read_parquet(payments).columns


def test_no_bare_codes_means_nothing_to_resolve(con, tmp_path):
    payments = write(tmp_path / "p.parquet", [
        {"document_id": "r", "_seq": 0, "tranche_id": "189012.SH", "source_page": 1, "period_number": 1}])
    assert unresolved_codes([payments], bare_code_map(con, [], None)) == {}
    assert unresolved_codes([], bare_code_map(con, [], None)) == {}


def test_batch_files_of_different_families_are_read_together(con, tmp_path):
    """A trustee report's batch and an exchange report's batch (with per-unit columns and a
    grain) are scanned together whatever order the batches finished in."""
    trustee = write(tmp_path / "a.parquet", [
        {"document_id": "trustee", "_seq": 0, "tranche_id": "189012", "source_page": 2, "period_number": 1}])
    exchange = write(tmp_path / "b.parquet", [
        {"document_id": "exchange", "_seq": 0, "tranche_id": "777777", "source_page": 1, "period_number": 3,
         "grain": "payment", "unit_count": 41832, "principal_paid_per_unit": "0.5000"}])
    codes = bare_code_map(con, [], None)
    for files in ([trustee, exchange], [exchange, trustee]):
        errors = unresolved_codes(files, codes)
        assert set(errors) == {"exchange"} and errors["exchange"].value == "777777"
