"""Scale ``market-year``: a whole year of the market, with trustee-report histories.

The market-year world is built (not rendered: rendering is ``bench/generate_market.py``'s job)
and its truth loaded into an in-memory warehouse; every history must pass the pipeline's own
reconciliations and the stricter identities the sampled small-micro histories keep. The seed
world must not change at all because of ``sample_market.world.market_year_histories``.

The histories are checked as this module makes them: ``exchange_disclosure``, which runs after
it and reshapes exchange deals' rows into what the exchanges disclose, is left out here and
tested in ``test_truth_exchange_disclosure.py``.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

import sample_market.world as world_package
from expectations.reconcile import CHECKS, run_reconciliations
from sample_market.truth import load_world
from sample_market.world import build_world
from sample_market.world import market_year_histories as histories

SEED = 20251231
MODULE = "market_year_histories"
RESHAPING = "exchange_disclosure"  # runs after every segment; not part of the histories checked here
WITH_MODULE = tuple(m for m in world_package.SEGMENT_MODULES if m != RESHAPING)
WITHOUT_MODULE = tuple(m for m in WITH_MODULE if m != MODULE)


def _build_without_module(scale: str, modules: tuple[str, ...] = WITHOUT_MODULE):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(world_package, "SEGMENT_MODULES", modules)
        return build_world(scale=scale, seed=SEED)


@pytest.fixture(scope="module")
def market_world():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(world_package, "SEGMENT_MODULES", WITH_MODULE)
        return build_world(scale="market-year", seed=SEED)


@pytest.fixture(scope="module")
def db(market_world):
    con = duckdb.connect()
    load_world(con, market_world)
    con.execute("CREATE TABLE added AS SELECT unnest(?::VARCHAR[]) AS deal_id",
                [market_world.extras[MODULE]["deals"]])
    yield con
    con.close()


def one(con, sql: str):
    return con.execute(sql).fetchone()


def test_module_is_the_last_segment():
    """Last of the segments that make rows; only the exchange reshaping of those rows follows."""
    assert world_package.SEGMENT_MODULES[-2:] == (MODULE, RESHAPING)


# ─────────────────────────── size of the market year ───────────────────────────
def test_market_year_size(db):
    by_class = dict(db.execute("""
        SELECT asset_class, count(*) FROM core.deals WHERE year(value_date) = 2025 GROUP BY 1""").fetchall())
    # 140 + 600 leasing, 268 + 680 small-micro, ~260 NPL extras, micro-enterprise: fixed by the segments
    assert by_class == {"leasing": 740, "small_micro_loan": 948, "npl": 277, "micro_enterprise_loan": 44}
    assert sum(by_class.values()) == 2009
    reports, deals = one(db, "SELECT count(*), count(DISTINCT deal_id) FROM core.pool_performance")
    assert reports >= 25_000
    assert (reports, deals) == (31598, 2810)
    added_reports = one(db, "SELECT count(*) FROM core.pool_performance JOIN added USING (deal_id)")[0]
    assert added_reports == reports - 3209  # 3,209 reports come from the segments themselves
    # trustee reports are rendered from core.tranche_payments too: ~100k tranche rows
    assert one(db, "SELECT count(*) FROM core.tranche_payments")[0] > 90_000


def test_every_performing_deal_of_the_year_reports(db, market_world):
    """Leasing and small-micro deals with tranches, valued 2024-01 … 2025-10 (first payment by
    2025-12), all have a history now; NPL deals keep exactly the histories their segment gave."""
    silent = one(db, """
        SELECT count(*) FROM core.deals d
        WHERE d.asset_class IN ('leasing', 'small_micro_loan')
          AND d.value_date BETWEEN DATE '2024-01-01' AND DATE '2025-10-31'
          AND d.deal_id IN (SELECT deal_id FROM core.tranches)
          AND d.deal_id NOT IN (SELECT deal_id FROM core.pool_performance)""")[0]
    assert silent == 0
    # older deals report when still outstanding in 2025 (a tranche expected to mature in 2025 or later)
    old = one(db, """
        SELECT count(*) FILTER (WHERE t.last >= DATE '2025-01-01'
                                  AND d.deal_id NOT IN (SELECT deal_id FROM core.pool_performance)),
               count(*) FILTER (WHERE t.last < DATE '2025-01-01' AND d.deal_id IN (SELECT deal_id FROM added)),
               count(*) FILTER (WHERE t.last >= DATE '2025-01-01' AND d.deal_id IN (SELECT deal_id FROM added))
        FROM core.deals d
        JOIN (SELECT deal_id, max(expected_maturity_date) AS last FROM core.tranches GROUP BY 1) t USING (deal_id)
        WHERE d.asset_class IN ('leasing', 'small_micro_loan') AND d.value_date < DATE '2024-01-01'""")
    assert old[:2] == (0, 0) and old[2] > 400
    assert one(db, "SELECT count(*) FROM added JOIN core.deals USING (deal_id) "
                   "WHERE asset_class NOT IN ('leasing', 'small_micro_loan')")[0] == 0
    listed = set(market_world.extras["trustee_report_deals"])
    reporting = {r[0] for r in db.execute("SELECT DISTINCT deal_id FROM core.pool_performance").fetchall()}
    assert reporting == listed
    assert len(market_world.extras["trustee_report_deals"]) == len(listed)  # each deal listed once


# ─────────────────────────── the histories hold together ───────────────────────────
def test_reconciliations_pass(db):
    """The pipeline's reconciliations (roll-forward, tranche balances never rise, cumulative
    series never fall, periods consecutive …) over the whole market-year truth."""
    run_reconciliations(db, "test")  # raises PublishRefused on any violation
    recorded = one(db, "SELECT count(*), count(*) FILTER (WHERE NOT success) FROM dq.results WHERE run_id = 'test'")
    assert recorded == (len(CHECKS), 0)


def test_pool_identities_are_exact(db):
    broken = one(db, """
        SELECT count(*) FROM (
            SELECT p.*, d.initial_pool_balance_cny AS p0, d.is_revolving,
                   lag(p.pool_balance_end_cny) OVER w AS previous_end,
                   lag(p.cumulative_default_cny) OVER w AS previous_cum,
                   lag(p.cumulative_revolving_purchase_cny) OVER w AS previous_purchases,
                   row_number() OVER w AS n
            FROM core.pool_performance p JOIN added USING (deal_id) JOIN core.deals d USING (deal_id)
            WINDOW w AS (PARTITION BY p.deal_id ORDER BY p.period_number))
        WHERE period_number <> n
           OR pool_balance_end_cny <> pool_balance_begin_cny - principal_collected_cny - new_default_cny
                                      + coalesce(revolving_purchase_cny, 0)
           OR pool_balance_begin_cny <> coalesce(previous_end, p0)
           OR cumulative_default_cny <> coalesce(previous_cum, 0) + new_default_cny
           OR abs(cumulative_default_rate - cumulative_default_cny / p0) > 1e-8
           OR least(pool_balance_end_cny, principal_collected_cny, new_default_cny, interest_collected_cny,
                    prepayment_cny, delinquent_1_30_cny, loan_count_end) < 0
           OR prepayment_cny > principal_collected_cny
           OR (is_revolving AND cumulative_revolving_purchase_cny <> coalesce(previous_purchases, 0) + revolving_purchase_cny)
           OR (NOT is_revolving AND (revolving_purchase_cny IS NOT NULL OR cumulative_revolving_purchase_cny IS NOT NULL))
           OR recovery_cny IS NOT NULL OR cumulative_recovery_cny IS NOT NULL OR delinquent_90_plus_cny IS NOT NULL
           OR not_applicable_reason IS NULL""")[0]
    assert broken == 0


def test_dates_follow_the_monthly_calendar(db):
    broken = one(db, """
        SELECT count(*) FROM (
            SELECT p.*, d.value_date, lag(p.collection_period_end) OVER w AS previous_end
            FROM core.pool_performance p JOIN added USING (deal_id) JOIN core.deals d USING (deal_id)
            WINDOW w AS (PARTITION BY p.deal_id ORDER BY p.period_number))
        WHERE collection_period_end <> last_day(collection_period_end)
           OR collection_period_start <> coalesce(previous_end + 1, value_date)
           OR payment_date <> last_day(collection_period_end) + 26
           OR report_date <> payment_date - 5
           OR date_diff('month', value_date, collection_period_end) <> period_number""")[0]
    assert broken == 0
    last, first = one(db, "SELECT max(payment_date), min(payment_date) FROM core.pool_performance JOIN added USING (deal_id)")
    assert last == date(2025, 12, 26) and first >= date(2021, 1, 1)
    # a history stops before 2025-12 only when the deal is repaid
    early = one(db, """
        SELECT count(*) FROM (
            SELECT p.deal_id, max(p.period_number) AS n, max(p.payment_date) AS last_payment FROM core.pool_performance p
            JOIN added USING (deal_id) GROUP BY 1) h
        JOIN core.tranche_payments tp ON tp.deal_id = h.deal_id AND tp.period_number = h.n
        WHERE h.last_payment < DATE '2025-12-01' GROUP BY h.deal_id HAVING sum(tp.principal_after_cny) > 0""")
    assert early is None


def test_tranche_payments_are_sequential_and_chain(db):
    chain = one(db, """
        SELECT count(*) FROM (
            SELECT tp.*, t.amount_cny, t.coupon_rate, lag(tp.principal_after_cny) OVER w AS previous_after
            FROM core.tranche_payments tp JOIN added USING (deal_id) JOIN core.tranches t USING (tranche_id)
            WINDOW w AS (PARTITION BY tp.tranche_id ORDER BY tp.period_number))
        WHERE principal_after_cny <> principal_before_cny - principal_paid_cny
           OR principal_before_cny <> coalesce(previous_after, amount_cny)
           OR principal_paid_cny < 0 OR principal_after_cny < 0
           OR (coupon_rate IS NULL) <> (interest_paid_cny IS NULL)""")[0]
    assert chain == 0
    # every report has payment rows for each tranche not yet repaid, on its payment date
    unmatched = one(db, """
        SELECT count(*) FROM core.pool_performance p JOIN added USING (deal_id)
        FULL JOIN (SELECT deal_id, period_number, any_value(payment_date) AS payment_date, count(*) AS n
                   FROM core.tranche_payments JOIN added USING (deal_id) GROUP BY ALL) tp USING (deal_id, period_number)
        WHERE tp.n IS NULL OR p.payment_date IS DISTINCT FROM tp.payment_date""")[0]
    assert unmatched == 0
    out_of_order = one(db, """
        SELECT count(*) FROM core.tranche_payments junior JOIN added USING (deal_id)
        JOIN core.tranches jt ON jt.tranche_id = junior.tranche_id
        JOIN core.tranches st ON st.deal_id = jt.deal_id AND st.seniority_rank < jt.seniority_rank
        LEFT JOIN core.tranche_payments senior ON senior.tranche_id = st.tranche_id AND senior.period_number = junior.period_number
        WHERE junior.principal_paid_cny > 0 AND coalesce(senior.principal_after_cny, 0) > 0""")[0]
    assert out_of_order == 0
    # a bullet tranche is repaid in one payment
    bullets = one(db, """
        SELECT count(*) FROM core.tranche_payments tp JOIN added USING (deal_id) JOIN core.tranches t USING (tranche_id)
        WHERE t.amortisation = 'bullet' AND tp.principal_paid_cny > 0 AND tp.principal_paid_cny <> t.amount_cny""")[0]
    assert bullets == 0
    # all-pass-through deals pay the notes exactly what the pool collected and lost (nothing while revolving)
    mismatch = one(db, """
        SELECT count(*) FROM (
            SELECT p.deal_id, p.period_number, p.revolving_purchase_cny,
                   p.principal_collected_cny + p.new_default_cny AS due, sum(tp.principal_paid_cny) AS paid
            FROM core.pool_performance p JOIN added USING (deal_id)
            JOIN core.tranche_payments tp USING (deal_id, period_number)
            WHERE p.deal_id NOT IN (SELECT deal_id FROM core.tranches WHERE amortisation = 'bullet')
            GROUP BY ALL)
        WHERE paid <> CASE WHEN coalesce(revolving_purchase_cny, 0) > 0 THEN 0 ELSE due END""")[0]
    assert mismatch == 0


def test_histories_meet_the_vendor_snapshots(db):
    """After the last payment on or before a snapshot date a tranche owes exactly its
    core.tranche_balances row (no row: repaid) — for every snapshot date of its asset class."""
    broken, checked = one(db, """
        WITH snapshot_dates AS (
            SELECT DISTINCT d.asset_class, b.as_of_date FROM core.tranche_balances b
            JOIN core.tranches t USING (tranche_id) JOIN core.deals d USING (deal_id)),
        last_paid AS (
            SELECT tp.tranche_id, s.as_of_date, arg_max(tp.principal_after_cny, tp.period_number) AS after
            FROM core.tranche_payments tp JOIN added USING (deal_id) JOIN core.deals d USING (deal_id)
            JOIN snapshot_dates s ON s.asset_class = d.asset_class AND tp.payment_date <= s.as_of_date
            GROUP BY ALL)
        SELECT count(*) FILTER (WHERE coalesce(b.outstanding_cny, 0) <> l.after), count(*)
        FROM last_paid l LEFT JOIN core.tranche_balances b USING (tranche_id, as_of_date)""")
    assert broken == 0
    assert checked > 10_000


def test_curves_are_plausible(db):
    """Defaults grow with age and stay small; pools amortise; revolving pools buy assets."""
    by_class = {r[0]: r[1:] for r in db.execute("""
        SELECT d.asset_class, max(p.cumulative_default_rate), avg(p.cumulative_default_rate) FILTER (WHERE p.period_number >= 12),
               avg(p.cumulative_default_rate) FILTER (WHERE p.period_number <= 3)
        FROM core.pool_performance p JOIN added USING (deal_id) JOIN core.deals d USING (deal_id) GROUP BY 1""").fetchall()}
    for asset_class, (top, seasoned, young) in by_class.items():
        assert top < 0.03, asset_class
        assert young == 0 and seasoned > 0.001, asset_class
    assert by_class["small_micro_loan"][1] > by_class["leasing"][1]
    # the pool never grows outside revolving; the last report of a repaid deal shows an amortised pool
    assert one(db, """
        SELECT count(*) FROM core.pool_performance JOIN added USING (deal_id)
        WHERE coalesce(revolving_purchase_cny, 0) = 0 AND pool_balance_end_cny > pool_balance_begin_cny""")[0] == 0
    revolving = one(db, """
        SELECT count(*) FILTER (WHERE purchases > 0), count(*) FROM (
            SELECT deal_id, max(cumulative_revolving_purchase_cny) AS purchases
            FROM core.pool_performance JOIN added USING (deal_id) JOIN core.deals USING (deal_id)
            WHERE is_revolving GROUP BY 1)""")
    assert revolving[0] >= 0.9 * revolving[1]


def test_existing_rows_are_untouched(market_world):
    """The module only appends: every table of the world without it is a prefix of the table with it."""
    before = _build_without_module("market-year")
    for table, rows in before.tables.items():
        if table == "core.subordinated_cash_flows":  # derived afterwards from all payments
            continue
        assert market_world.rows(table)[: len(rows)] == rows, table
    grown = {t for t in market_world.tables if len(market_world.rows(t)) != len(before.rows(t))}
    assert grown == {"core.pool_performance", "core.tranche_payments", "core.subordinated_cash_flows"}
    old = before.extras["trustee_report_deals"]
    assert market_world.extras["trustee_report_deals"][: len(old)] == old


# ─────────────────────────── the seed world does not change ───────────────────────────
def test_seed_world_is_unchanged(seed_world):
    assert histories.SEGMENT not in seed_world.extras
    again = build_world(scale="seed", seed=SEED)
    assert again.rows("core.pool_performance") == seed_world.rows("core.pool_performance")
    assert again.rows("core.tranche_payments") == seed_world.rows("core.tranche_payments")
    without = _build_without_module("seed", tuple(m for m in world_package.SEGMENT_MODULES if m != MODULE))
    assert without.tables == seed_world.tables
    assert without.extras["trustee_report_deals"] == seed_world.extras["trustee_report_deals"]
    assert len(seed_world.rows("core.pool_performance")) < 1000  # the seed stays small


def test_build_is_a_no_op_at_seed_scale():
    from sample_market.world.base import World

    world = World(scale="seed", seed=SEED)
    histories.build(world)
    assert world.tables == {} and world.extras == {}
