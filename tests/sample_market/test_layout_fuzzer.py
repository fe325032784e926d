"""The layout fuzzer: a space of at least a thousand layouts per seed, drawn only from the
generator's own real-world spellings, with the three trustee templates and the v1 announcement
styles as points of it; cases that replay from their seed; documents that print every value of
their truth; and the fuzz test itself — fuzzed documents read by the parsers load, with no
wrong value."""

from __future__ import annotations

import os
import random
import re
from decimal import Decimal

import pytest

from sample_market.documents import issuance_announcement as ann
from sample_market.documents import layout_fuzzer as lf
from sample_market.documents import trustee_report as tr
from sample_market.world.base import RATING_AGENCIES

AGENCY_SHORT_NAMES = dict(RATING_AGENCIES)


def fresh_seed() -> int:
    """A new layout seed per run, or the one ABS_ETL_FUZZ_SEED names (to replay a failure)."""
    configured = os.environ.get("ABS_ETL_FUZZ_SEED")
    seed = int(configured) if configured else random.SystemRandom().randrange(2**31)
    print(f"layout seed {seed} (replay with ABS_ETL_FUZZ_SEED={seed})")
    return seed


@pytest.fixture(scope="module")
def seed() -> int:
    return fresh_seed()


# ───────────────────────────── the space ─────────────────────────────
@pytest.mark.parametrize("draw", [lf.draw_report_layout, lf.draw_announcement_layout])
def test_a_seed_draws_at_least_a_thousand_distinct_layouts(draw, seed):
    rng = random.Random(seed)
    keys = {lf.layout_key(draw(rng)) for _ in range(1000)}
    assert len(keys) == 1000, f"layout seed {seed}: only {len(keys)} distinct layouts in 1,000 draws"


def test_drawn_layouts_are_points_of_the_space_the_templates_live_in(seed):
    rng = random.Random(seed)
    for _ in range(200):
        assert lf.report_space_misses(lf.draw_report_layout(rng)) == []
        assert lf.announcement_space_misses(lf.draw_announcement_layout(rng)) == []


@pytest.mark.parametrize("name", tr.TEMPLATES)
def test_each_trustee_template_is_a_point_of_the_space(name):
    assert lf.report_space_misses(tr.TEMPLATE_SPECS[name]) == []


@pytest.mark.parametrize("style", ann.STYLES, ids=["v1", "v1-iso", "v1-slash"])
def test_each_v1_announcement_style_is_a_point_of_the_space(style):
    assert lf.announcement_space_misses(style) == []


def test_a_layout_off_the_space_is_told_apart():
    odd = tr.ReportLayout(**{**tr.TEMPLATE_SPECS["trust_a"].__dict__,
                             "labels": {**tr.TEMPLATE_SPECS["trust_a"].labels, "end": "期末池子"}})
    assert lf.report_space_misses(odd) == ["label end='期末池子'"]
    assert lf.announcement_space_misses(ann.AnnouncementLayout(labels={"rating": "星级"})) == ["label rating='星级'"]


# A provenance code of real-spellings.md (M: the market's own wording), or a named reference.
SOURCE = re.compile(r"^(?:[VPWFCLGRTM]\b|real-world-formats|the real CNABS|exchange-disclosure\.md|seed-figures|issue 15"
                    r"|common in prospectuses)")


def test_every_spelling_says_where_it_is_seen():
    def entries(node, path=()):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from entries(value, (*path, key))
        else:
            for entry in node:
                yield path, entry

    found = list(entries(lf.spellings()))
    assert len(found) > 400
    for path, entry in found:
        assert isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str), (path, entry)
        assert re.match(SOURCE, entry[1]), (path, entry)


# ───────────────────────────── cases ─────────────────────────────
def test_a_case_replays_byte_for_byte_from_its_seed_and_number(seed_world, seed):
    first = [lf.fuzz_case(seed_world, seed, k) for k in range(6)]
    again = [lf.fuzz_case(seed_world, seed, k) for k in range(6)]
    assert [c.data for c in first] == [c.data for c in again]
    assert len({c.data for c in first}) == 6


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _bare(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _report_spellings(case: lf.FuzzCase) -> dict[str, set[str]]:
    """Each truth value of a trustee report and the ways its layout may print it (any unit)."""
    fmt = tr._Builder(case.source, case.layout, "normal").fmt
    cover = "{" + case.layout.cover_date.partition("{")[2]
    rows = [*case.truth["core.pool_performance"], *case.truth["core.tranche_payments"],
            *case.truth["core.liquidation_events"]]
    wanted: dict[str, set[str]] = {}
    for row in rows:
        for column, value in row.items():
            if value is None or column in ("deal_id", "period_number", "tranche_id", "liquidation_method"):
                continue
            if column.endswith("_cny"):
                options = {fmt.amount(Decimal(value), unit).text for unit in lf.UNITS}
            elif column.endswith("_rate"):
                options = {fmt.rate(value).text, fmt.rate(value, bare=True).text}
            elif column == "loan_count_end":
                options = {fmt.count(value).text}
            elif column == "report_date":
                options = {tr._date_pattern(cover, value)}
            elif column.endswith("_date") or column.startswith("collection_period"):
                options = {fmt.date(value)}
            else:
                options = {str(value)}
            wanted[f"{column}={value}"] = {_bare(o) for o in options}
    for code in case.known_codes:
        if any(p["tranche_id"] == code for p in case.truth["core.tranche_payments"]):
            wanted[f"security_code={code}"] = {code.split(".")[0]}
    return wanted


def _announcement_spellings(case: lf.FuzzCase) -> dict[str, set[str]]:
    """Each truth value of an issuance document and the ways its layout may print it."""
    s = case.layout
    wanted: dict[str, set[str]] = {}
    for table, rows in case.truth.items():
        for row in rows:
            for column, value in row.items():
                if value is None or isinstance(value, bool) or column.endswith("_id") and column != "tranche_id":
                    continue
                if column in ("asset_class", "asset_subclass", "market", "series_name", "vintage_year",
                              "issue_number", "institution_type", "tranche_class", "coupon_type", "amortisation",
                              "enhancement_kind", "enhancer_relation", "seniority_rank", "is_public_offering"):
                    continue  # printed as words of the market's own (code_labels) or derived from the name
                if column.endswith("_cny"):
                    options = {s.amount(Decimal(value), unit).text for unit in lf.UNITS}
                elif column in ("coupon_rate",):
                    options = {s.rate(value, s.coupon_places)}
                elif column.endswith(("_rate", "_share")):
                    options = {s.rate(value)}
                elif column.endswith("_date"):
                    options = {s.date(value)}
                elif column == "initial_rating":
                    options = {s.rating(value)}
                elif isinstance(value, (int, Decimal)):
                    options = {s.number(value)}
                else:  # rating agencies go by their short names (中诚信国际), which every reader knows
                    options = {str(value), AGENCY_SHORT_NAMES.get(value, str(value))}
                wanted[f"{table}.{column}={value}"] = {_bare(o) for o in options}
    return wanted


def test_every_value_of_a_fuzzed_documents_truth_is_printed_in_it(seed_world, seed):
    """The fuzzer is honest: a reader could find every truth value in the document (so a miss
    by the parsers is theirs, not a value the document never showed)."""
    checked = 0
    for case in lf.fuzz_cases(seed_world, seed, 60):
        if case.fmt != "pdf":
            continue
        text = _bare(_pdf_text(case.data) + case.title)
        wanted = _report_spellings(case) if case.family == "trustee_report" else _announcement_spellings(case)
        missing = sorted(name for name, options in wanted.items() if not any(o in text for o in options))
        assert missing == [], f"layout seed {seed}, {case.replay}: not printed: {missing}"
        checked += 1
    assert checked >= 30


# ───────────────────────────── reading them back ─────────────────────────────
def test_a_reading_is_compared_with_the_truth_field_by_field(seed_world):
    """The comparison the fuzz test trusts: it names a wrong value, a missing and an extra row,
    and completes a code printed without its market suffix as the pipeline does."""
    case = next(c for c in lf.fuzz_cases(seed_world, 7, 40) if c.family == "trustee_report"
                and len(c.truth["core.tranche_payments"]) >= 2)
    parsed = {table: [dict(row, source_page=3) for row in rows] for table, rows in case.truth.items()}
    assert lf.wrong_values(case, parsed) == []
    first, second = parsed["core.tranche_payments"][:2]
    first["tranche_id"] = first["tranche_id"].split(".")[0]  # printed bare: still the same tranche
    assert lf.wrong_values(case, parsed) == []
    pool = parsed["core.pool_performance"][0]
    pool["pool_balance_end_cny"] = pool["pool_balance_end_cny"] * 10_000  # read in 万元 as if 元
    second["interest_paid_cny"] = None
    parsed["core.tranche_payments"].append({**second, "tranche_id": "9999999.IB"})
    del parsed["core.tranche_payments"][0]
    problems = lf.wrong_values(case, parsed)
    assert any("pool_balance_end_cny: read" in p for p in problems)
    assert any("interest_paid_cny: read None" in p for p in problems)
    assert any(p.endswith(": missing") and first["tranche_id"].split(".")[0] in p for p in problems)
    assert any("9999999.IB" in p and "not in the document's truth" in p for p in problems)
    assert lf.wrong_values(case, {**parsed, "core.pool_performance": [dict(pool, pool_balance_end_cny=float(1))]}) != []


FUZZ_DOCUMENTS = 300


def test_fuzzed_layouts_load_and_no_loaded_document_has_a_wrong_value(seed_world, seed):
    """A few hundred documents in fresh layouts, across families and formats: at least 99 % load
    and every value of every loaded document equals the truth (the seed is printed to replay)."""
    from tests.sample_market.fuzz_harness import read

    readings = [read(case) for case in lf.fuzz_cases(seed_world, seed, FUZZ_DOCUMENTS)]
    loaded = [r for r in readings if r.loaded]
    wrong = [r for r in loaded if r.wrong]
    replay = f"layout seed {seed} (replay: ABS_ETL_FUZZ_SEED={seed})"
    assert len({(r.case.family, r.case.fmt) for r in readings}) == len(lf.MIX)
    if wrong:
        pytest.fail(f"{replay}: {len(wrong)} loaded documents with wrong values, e.g. " + "; ".join(
            f"{r.case.replay}: {r.wrong[:3]}" for r in wrong[:5]), pytrace=False)
    refused = [r for r in readings if not r.loaded]
    if len(loaded) < 0.99 * len(readings):
        pytest.fail(f"{replay}: {len(loaded)} of {len(readings)} loaded (at least 99 % must); most common reasons: "
                    + "; ".join(f"{n}× {reason}" for reason, n in lf.failure_classes([r.error for r in refused], 8))
                    + " — e.g. " + "; ".join(f"{r.case.replay}: {r.error}" for r in refused[:3]), pytrace=False)


def test_parallel_spelling_lists_line_up():
    """Lists a report draws in one style (bucket names, period ends) have one entry per style."""
    for group in lf.PARALLEL_LABELS:
        lengths = {len(lf.texts("trustee_report", "labels", key)) for key in group}
        assert len(lengths) == 1, (group, lengths)
