"""Local asset-management companies (地方AMC), seed 003: figures A-01 … A-16.

Builders (each with its own seeded stream from ``rng_for``):
* ``amc_registry`` — core.institutions (type local_amc, aliases), core.amcs,
  core.amc_licence_events (A-01) and core.amc_issuer_ratings (A-08);
* ``amc_financials`` — core.amc_financials of the 25 sampled AMCs (A-02 … A-06) and the loss
  rows of 湖北天乾资产 and 国厚资产 (A-16), which are not in the sample;
* ``amc_bonds`` — core.amc_bonds, core.amc_bond_events, core.bond_valuations (A-07, A-09 … A-16).

Definitions the figures use (the SQL in tests/sample_market/test_truth_amc.py):
* AMC count at a date: AMCs whose latest licence event on or before the date is 'licensed'.
* Financial sample: core.amcs.in_financial_sample (25 AMCs; the two defaulters are outside).
* Debt-to-assets = total_debt / total_assets (total_debt = total assets − net assets).
* Valid public issuer rating at D: per agency, the latest action on or before D, dated within
  one year of D and not a withdrawal; the AMC's rating is the lowest such rating.
  The report's coverage ratio uses the AAA count for 2025 (20 / 58 = 34.48 %) and the valid
  count for 2024 (28 / 59 = 47.46 %), as printed.
* Bond scope of A-09, A-10, A-15: onshore, non-ABS (is_offshore and is_abs false); long-term =
  term_years ≥ 1; by value date; Jan–Nov 2025 = value dates 2025-01-01 … 2025-11-30.
* Net financing = issuance − repayments (events repayment, put_repayment, early_redemption).
* Maturity wall at 2025-11-30: outstanding = issued on or before the date, not repaid and not
  in default; due at the extension's new maturity, else the next put date, else maturity.
* Issuers of a period (A-07): AMCs with any non-ABS bond (onshore or offshore) valued in it.
* Coupon change (A-14): per AMC with long-term onshore bonds in both 2024 and Jan–Nov 2025, the
  change of its average coupon; then the mean over those AMCs.
* Spread change (A-14): spread = valuation yield − MTN AAA curve (latest curve date on or
  before the valuation date, linear in tenor, flat beyond the ends) at the remaining tenor to
  the next put date or maturity; per issuer the mean over its valued bonds on the last
  valuation date on or before 2024-12-31 and 2025-11-30; issuers valued on both dates; the
  change averaged over issuers, grouped by the issuer's last non-null rating at 2025-11-30.

``market-year`` builds the same AMC world (AMC data is small).
"""

from __future__ import annotations

from sample_market.world.amc_bonds import build_bonds
from sample_market.world.amc_financials import build_financials
from sample_market.world.amc_registry import build_ratings, build_registry
from sample_market.world.base import World, rng_for


def build(world: World) -> None:
    amcs = build_registry(world, rng_for(world.seed, "amc/registry"))
    build_ratings(world, rng_for(world.seed, "amc/ratings"), amcs)
    build_financials(world, rng_for(world.seed, "amc/financials"), amcs)
    world.extras["amc"] = build_bonds(world, rng_for(world.seed, "amc/bonds"), amcs)
