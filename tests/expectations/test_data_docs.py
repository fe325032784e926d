"""The Data Docs of a gate work offline: every script and stylesheet the pages load comes from
beside the site (installed from the npm registry by scripts/install-data-docs-assets.sh), and
headless Chromium, with every host name unresolvable, opens index.html from disk and lists the
validations — the lists are filled by bootstrap-table in the browser, so rows in the DOM prove
the scripts ran. Screenshots go to test-output/."""

from __future__ import annotations

import re
from html import unescape

import duckdb
import polars as pl
import pytest

from expectations.data_docs import CDN_ASSETS, NODE_MODULES, external_resources
from expectations.gate import validate
from tests.browser import OUTPUT, dump_dom, page_text
from tests.expectations.test_gate import deals, performance, tranches
from warehouse.migrate import apply_migrations
from warehouse.publish import PublishRefused


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """Data Docs of a refused batch (a duplicate tranche) beside a passing deals table."""
    missing = [path for path in CDN_ASSETS.values() if not (NODE_MODULES / path).is_file()]
    assert not missing, f"Data Docs assets not installed ({missing[:3]} …): run scripts/install-data-docs-assets.sh"
    docs_dir = tmp_path_factory.mktemp("dq") / "dq_docs"
    con = duckdb.connect()
    apply_migrations(con)
    batch = {"core.deals": deals("deal_a"), "core.tranches": pl.concat([tranches(), tranches().slice(0, 1)]),
             "core.pool_performance": performance(end="450000000.00")}
    with pytest.raises(PublishRefused, match=r"unique\(tranche_id\)"):
        validate(con, batch, "run-docs-1", 0.05, docs_dir)
    con.close()
    return docs_dir


def rows_of(dom: str, table_class: str) -> list[list[str]]:
    """The body rows of the bootstrap-table with ``table_class``, as lists of cell texts."""
    table = re.search(rf'<table[^>]*class="[^"]*{table_class}[^"]*".*?</table>', dom, re.S)
    assert table, f"no table {table_class} in the page"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S)
    rows = re.findall(r'<tr class="clickable-row"[^>]*>(.*?)</tr>', body.group(1) if body else "", re.S)
    return [[unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows]


def test_pages_load_nothing_from_the_internet(docs):
    assert external_resources(docs) == []
    assert (docs / "static/vendor/jquery/dist/jquery.min.js").is_file()
    assert (docs / "static/vendor/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2").is_file()
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert 'src="static/vendor/bootstrap-table/dist/bootstrap-table.min.js"' in index
    page = next((docs / "validations").rglob("*.html")).read_text(encoding="utf-8")
    assert re.search(r'src="(\.\./)+static/vendor/vega/build/vega.min.js"', page)


def test_index_lists_the_validations_offline(chromium, docs, tmp_path):
    dom = dump_dom(chromium, (docs / "index.html").as_uri(), OUTPUT / "data-docs-index.png", tmp_path / "profile",
                   offline=True)
    rows = rows_of(dom, "ge-index-page-validation-results-table")
    assert sorted(r[3] for r in rows) == ["core.deals", "core.pool_performance", "core.tranches"]
    assert {r[2] for r in rows} == {"run-docs-1"}                       # the pipeline's run id names them
    failed = re.findall(r'<tr class="clickable-row" data-href="([^"]+)"[^>]*>\s*<td[^>]*>\s*<span[^>]*>\s*'
                        r'<i class="fas fa-times[^"]*text-danger', dom)
    assert len(failed) == 1 and "core/tranches" in failed[0]
    suites = rows_of(dom, "ge-index-page-expectation_suites-table")
    assert sorted(r[0] for r in suites) == ["core.deals", "core.pool_performance", "core.tranches"]
    assert (OUTPUT / "data-docs-index.png").stat().st_size > 20_000

    page = page_text(dump_dom(chromium, (docs / failed[0]).as_uri(), OUTPUT / "data-docs-tranches.png",
                              tmp_path / "profile", offline=True))
    assert "values must be unique." in page and "≈66.667% unexpected" in page, page[:2000]
    assert "2589001.IB" in page                                           # the duplicated key, as GX saw it
    assert "names a row of core.deals" in page                            # the relationship, described


def test_missing_or_unknown_assets_are_named_and_leave_the_pages_as_they_were(tmp_path):
    from expectations.data_docs import OfflineDocsError, make_offline

    site = tmp_path / "site"
    site.mkdir()
    page = site / "index.html"
    original = '<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script></head></html>'
    page.write_text(original, encoding="utf-8")
    with pytest.raises(OfflineDocsError, match=r"jquery/dist/jquery.min.js.*install-data-docs-assets.sh"):
        make_offline(site, node_modules=tmp_path / "nothing-installed")
    assert page.read_text(encoding="utf-8") == original
    page.write_text(original.replace("jquery-3.7.1", "jquery-9.9.9"), encoding="utf-8")
    with pytest.raises(OfflineDocsError, match=r"no local copy of https://code.jquery.com/jquery-9.9.9.min.js"):
        make_offline(site)
