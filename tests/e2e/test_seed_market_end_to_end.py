"""The acceptance test of the pipeline: the seed-scale sample market, fetched over HTTP,
parsed, validated and published, equals the ground truth cell by cell, and every document
ends with the outcome the generator planned for it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from sample_market.world.base import PROVENANCE_COLUMNS

pytestmark = pytest.mark.slow



def published(seed_run) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(seed_run["published_path"], read_only=True)


def truth_tables(sample_dir: Path) -> dict[str, pl.DataFrame]:
    return {p.stem: pl.read_parquet(p) for p in sorted((sample_dir / "truth").glob("*.parquet"))}


def test_run_published(seed_run):
    assert seed_run["outcome"] == "published"
    assert seed_run["fetch_failures"] == []


def test_every_document_has_its_expected_outcome(seed_run, sample_dir):
    expected = pl.read_parquet(sample_dir / "expected_outcomes.parquet")
    con = published(seed_run)
    actual = con.execute("SELECT document_id, outcome, outcome_reason FROM raw.documents").pl()
    con.close()
    # Same bytes listed twice are one registered document (the listing's duplicate is counted
    # in the run summary); everything else is one row per document.
    unique = expected.filter(pl.col("expected_outcome") != "duplicate")
    joined = unique.join(actual, on="document_id", how="left")
    missing = joined.filter(pl.col("outcome").is_null())
    assert missing.height == 0, f"documents never registered: {missing.select('rel_path').to_series().to_list()[:5]}"
    wrong = joined.filter(pl.col("outcome") != pl.col("expected_outcome"))
    assert wrong.height == 0, wrong.select("rel_path", "expected_outcome", "outcome", "outcome_reason").head(10)
    quarantined = joined.filter(pl.col("expected_outcome") == "quarantined")
    unexplained = [(r["rel_path"], r["expected_reason"], r["outcome_reason"]) for r in quarantined.iter_rows(named=True)
                   if r["expected_reason"].lower() not in (r["outcome_reason"] or "").lower()]
    assert unexplained == []
    counts = seed_run["documents"]
    assert counts["duplicate"] == expected.filter(pl.col("expected_outcome") == "duplicate").height
    assert sum(counts.values()) == expected.height  # every document fetched is accounted for


# Institutions are compared on what documents state about them (id, full name, type); the
# world also knows short and English names that no published document prints.
STATED_COLUMNS = {"core.institutions": ["institution_id", "full_name_zh", "institution_type"]}


def test_the_registry_names_each_documents_format_as_its_bytes_read(seed_run):
    """Parsed documents' formats come back from the parse worker, the others' are sniffed at
    registration: either way what the bytes are."""
    from transforms.sniff import sniff

    con = published(seed_run)
    rows = con.execute("SELECT stored_path, file_format, outcome FROM raw.documents").fetchall()
    con.close()
    assert {"loaded", "quarantined"} <= {outcome for _, _, outcome in rows}
    assert {"pdf", "xlsx", "csv"} <= {fmt for _, fmt, _ in rows}
    assert [(p, f) for p, f, _ in rows if f != sniff(Path(p).read_bytes()).file_format] == []


@pytest.mark.parametrize("table", [
    "core.amc_bond_events", "core.amc_bonds", "core.amc_financials", "core.amc_issuer_ratings",
    "core.amc_licence_events", "core.amcs", "core.bond_valuations", "core.credit_enhancements",
    "core.deal_labels", "core.deals", "core.institutions",
    "core.liquidation_events", "core.market_totals", "core.pool_performance", "core.rating_actions",
    "core.subordinated_cash_flows", "core.tranche_balances", "core.tranche_payments", "core.tranches",
    "core.yield_curves",
])
def test_core_table_equals_truth(seed_run, sample_dir, table):
    truth = truth_tables(sample_dir).get(table)
    assert truth is not None, f"the truth has no {table}"
    con = published(seed_run)
    columns = STATED_COLUMNS.get(table) or [c for c in truth.columns if c not in PROVENANCE_COLUMNS]
    actual = con.execute(f"SELECT {', '.join(columns)} FROM {table}").pl()
    con.close()
    key = sorted(columns)
    t = truth.select(columns).sort(key, nulls_last=True)
    a = actual.select(columns).sort(key, nulls_last=True)
    assert a.height == t.height, f"{table}: {a.height} rows published, {t.height} in the truth"
    diff = a.join(t, on=columns, how="anti", nulls_equal=True)
    assert diff.height == 0, f"{table}: rows that differ from the truth, e.g. {diff.head(3).to_dicts()}"


def test_short_names_that_documents_state_are_true(seed_run, sample_dir):
    """Short names come from exports that print them (originators, providers, trustees, AMCs);
    each one published equals the truth."""
    truth = truth_tables(sample_dir)["core.institutions"].select("institution_id", "short_name_zh")
    con = published(seed_run)
    actual = con.execute("SELECT institution_id, short_name_zh FROM core.institutions WHERE short_name_zh IS NOT NULL").pl()
    con.close()
    assert actual.height > 100
    assert actual.join(truth, on=["institution_id", "short_name_zh"], how="anti").height == 0


def test_published_aliases_are_true_aliases(seed_run, sample_dir):
    """Every alias the documents taught the warehouse resolves as in the truth, and every
    institution can be found by its full name."""
    truth = truth_tables(sample_dir)["core.institution_aliases"]
    con = published(seed_run)
    actual = con.execute("SELECT alias, institution_id FROM core.institution_aliases").pl()
    unaliased = con.execute("SELECT count(*) FROM core.institutions WHERE full_name_zh NOT IN "
                            "(SELECT alias FROM core.institution_aliases)").fetchone()[0]
    con.close()
    wrong = actual.join(truth, on=["alias", "institution_id"], how="anti")
    assert wrong.height == 0, wrong.head(5)
    assert unaliased == 0


def test_every_row_traces_back_to_a_registered_document(seed_run):
    con = published(seed_run)
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE schema_name = 'core' AND column_name = 'document_id'").fetchall()]
    for table in tables:
        orphans = con.execute(
            f"SELECT count(*) FROM core.{table} WHERE document_id IS NULL OR document_id NOT IN "
            "(SELECT document_id FROM raw.documents WHERE outcome = 'loaded')").fetchone()[0]
        assert orphans == 0, f"core.{table}: {orphans} rows without a loaded source document"
    con.close()


def test_figure_catalogue_on_the_published_warehouse(seed_run):
    """Every seed figure, answered from the marts of the warehouse the pipeline published."""
    from warehouse.figures import check_figure, load_catalogue

    con = published(seed_run)
    problems = [p for figure in load_catalogue() for p in check_figure(con, figure)]
    con.close()
    assert problems == []


def test_issuance_announcements_and_vendor_exports_agree(seed_run):
    """Credit ABS terms arrive twice — from the 发行说明书/发行结果公告 and from the vendor export —
    and the run found no column on which the two disagree."""
    con = published(seed_run)
    checks = dict(con.execute(
        "SELECT expectation, success FROM dq.results WHERE suite_name = 'source_agreement' AND run_id = ?",
        [seed_run["run_id"]]).fetchall())
    kinds = dict(con.execute("SELECT doc_type, count(*) FROM raw.documents WHERE outcome = 'loaded' "
                             "AND doc_type IN ('offering_circular', 'issuance_results') GROUP BY 1").fetchall())
    con.close()
    assert checks == {"sources_agree(core.deals)": True, "sources_agree(core.tranches)": True,
                      "sources_agree(core.institutions)": True}
    assert seed_run["source_disagreements"] == 0
    assert kinds["offering_circular"] == kinds["issuance_results"] > 200


VENUE_FAMILIES = {
    "sse": {"income_distribution", "asset_management_report"},
    "szse": {"income_distribution", "asset_management_report"},
    "chinamoney": {"abn_operating_report"},
    "shclearing": {"abn_operating_report"},
}


def test_every_venue_delivered_what_it_publishes(seed_run, sample_dir):
    """The seed run read each exchange venue through its own connector: every document a venue
    published first was registered under that venue (a later copy on another venue is a
    duplicate), with the families the venue carries, and the rows of its reports reached the
    core tables at the grain those reports give."""
    expected = pl.read_parquet(sample_dir / "expected_outcomes.parquet").filter(
        pl.col("expected_outcome") != "duplicate")
    con = published(seed_run)
    registered = con.execute("SELECT document_id, source, doc_type FROM raw.documents").pl()
    rows_by_venue = dict(con.execute("""
        SELECT d.source || ':' || p.grain, count(*) FROM core.pool_performance p
        JOIN raw.documents d USING (document_id) GROUP BY 1""").fetchall())
    payments_by_venue = dict(con.execute("""
        SELECT d.source, count(*) FILTER (WHERE t.unit_count IS NOT NULL) || '/' || count(*)
        FROM core.tranche_payments t JOIN raw.documents d USING (document_id) GROUP BY 1""").fetchall())
    con.close()
    for venue, families in VENUE_FAMILIES.items():
        published_there = expected.filter(pl.col("channel") == venue)
        assert set(published_there["doc_type"]) == families, venue
        got = registered.filter(pl.col("source") == venue)
        assert sorted(got["document_id"]) == sorted(published_there["document_id"]), venue
        assert set(got["doc_type"].drop_nulls()) <= families, venue
    # exchange ABS: payments per payment with units (收益分配报告), pool per year and the year's periods (资产管理报告)
    for venue in ("sse", "szse"):
        with_units, total = map(int, payments_by_venue[venue].split("/"))
        assert total > 0 and with_units == total, (venue, payments_by_venue[venue])
        assert rows_by_venue.get(f"{venue}:annual", 0) > 0 and rows_by_venue.get(f"{venue}:payment_period", 0) > 0
    # ABN: pool per payment period (资产运营报告), never an annual row; some reports only on Shanghai Clearing
    for venue in ("chinamoney", "shclearing"):
        assert rows_by_venue.get(f"{venue}:payment_period", 0) > 0 and f"{venue}:annual" not in rows_by_venue
    # no exchange-ABS or ABN document came through ChinaBond's trustee-report listing
    exchange_ids = set(expected.filter(pl.col("channel").is_in(list(VENUE_FAMILIES)))["document_id"])
    other = registered.filter(~pl.col("source").is_in(list(VENUE_FAMILIES)))
    assert exchange_ids.isdisjoint(other["document_id"])
