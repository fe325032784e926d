"""How fast trustee-report PDFs are read: our parser vs. a pdfplumber parse vs. raw pypdfium2 text.

A market year is 25,000+ periodic reports, so parsing speed decides whether a backfill takes
minutes or hours. This renders N seeded sample reports (mixed templates, amortising, revolving,
NPL and clean-up-call deals) into a temporary directory, then times, in one process on one
core: our label-driven parser, a pdfplumber parse of the same files (text + tables, the same
key fields as far as practical), and bare pypdfium2 text extraction (the floor for any
pdfium-based reader). It also checks that every parsed row equals the rendered input.

    python bench/parse_reports.py [--n 300] [--plumber-limit 40] [--rounds 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_market.documents.trustee_report import TEMPLATES, TrusteeReportData, render_trustee_report  # noqa: E402
from transforms.normalise.ids import deal_id_for  # noqa: E402
from transforms.parse.trustee_report import POOL, TRANCHE, parse_trustee_report  # noqa: E402

SERIES = ("常星", "飞驰建普", "工元乐居", "交盈", "居融", "安鑫", "中盈", "汇聚融", "瑞泽天驰", "建鑫", "兴瑞", "和萃")
ASSETS = ("个人消费贷款", "微小企业贷款", "个人住房抵押贷款", "个人汽车抵押贷款")
CN = "一二三四五六"
PROVENANCE = ("document_id", "source_page", "source_table", "source_row_label")


def money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(f"{rng.uniform(low, high):.2f}")


def sample_report(rng: random.Random, index: int) -> TrusteeReportData:
    """One seeded deal × period with plausible figures (exactness, not calibration, matters here)."""
    is_npl = rng.random() < 0.2
    series = rng.choice(SERIES)
    name = (f"{series}{rng.randint(2018, 2025)}年第{CN[index % 6]}期"
            + ("不良资产支持证券" if is_npl else f"{rng.choice(ASSETS)}资产证券化信托") + f"{index:04d}")
    deal_id = deal_id_for(name)
    n = rng.randint(2, 60)
    pay = dt.date(2025, 1, 26) + dt.timedelta(days=rng.randint(0, 300))
    start = pay.replace(day=1) - dt.timedelta(days=31)
    begin = money(rng, 2e8, 5e9)
    end = (begin * Decimal(str(rng.uniform(0.9, 0.98)))).quantize(Decimal("0.01"))
    base = {
        "deal_id": deal_id, "period_number": n, "report_date": pay - dt.timedelta(days=6),
        "collection_period_start": start, "collection_period_end": pay.replace(day=1) - dt.timedelta(days=1),
        "payment_date": pay, "pool_balance_begin_cny": begin, "pool_balance_end_cny": end,
        "loan_count_end": rng.randint(500, 200_000),
    }
    empty = {f: None for f in POOL.fields if f not in base} | {"recovery_cny": None, "cumulative_recovery_cny": None,
                                                                "not_applicable_reason": None}
    pool = {**empty, **base}
    revolving = not is_npl and rng.random() < 0.25
    if is_npl:
        pool.update(recovery_cny=money(rng, 1e6, 5e7), cumulative_recovery_cny=money(rng, 5e7, 9e8),
                    other_income_cny=money(rng, 1e4, 9e5), not_applicable_reason="NPL pool: no default or delinquency measures")
    else:
        pool.update(
            principal_collected_cny=begin - end, interest_collected_cny=money(rng, 1e6, 3e7),
            prepayment_cny=money(rng, 1e5, 1e7), new_default_cny=money(rng, 0, 5e6),
            cumulative_default_cny=money(rng, 5e6, 5e7), cumulative_default_rate=Decimal(f"{rng.uniform(0, 0.03):.8f}"),
            delinquent_1_30_cny=money(rng, 1e5, 1e7), delinquent_31_60_cny=money(rng, 1e4, 5e6),
            delinquent_61_90_cny=money(rng, 1e4, 3e6), delinquent_90_plus_cny=money(rng, 0, 1e6),
        )
        if revolving:
            pool.update(revolving_purchase_cny=money(rng, 1e7, 5e8), cumulative_revolving_purchase_cny=money(rng, 5e8, 5e9))
    count = rng.randint(2, 6)
    tranches, payments = [], []
    for k in range(count):
        code = f"{23 + index % 3}{index:03d}{k:02d}.IB"
        label = "次级" if k == count - 1 else f"优先A{k + 1}级"
        tranches.append({"tranche_id": code, "security_code": code, "tranche_name": label, "amount_cny": money(rng, 1e8, 2e9)})
        before = money(rng, 1e7, 1e9)
        paid = (before * Decimal(str(rng.uniform(0, 0.1)))).quantize(Decimal("0.01"))
        payments.append({"tranche_id": code, "period_number": n, "deal_id": deal_id, "payment_date": pay,
                         "principal_before_cny": before, "principal_paid_cny": paid, "principal_after_cny": before - paid,
                         "interest_paid_cny": money(rng, 0, 5e6), "other_income_paid_cny": None})
    history = [{**pool, "period_number": k, "cumulative_default_cny": money(rng, 0, 5e6),
                "cumulative_default_rate": Decimal(f"{rng.uniform(0, 0.02):.8f}")} for k in range(max(1, n - 24), n)]
    liquidation = None
    if not is_npl and rng.random() < 0.05:
        liquidation = {"deal_id": deal_id, "liquidation_method": "clean_up_call", "event_date": pay,
                       "price_cny": money(rng, 1e7, 1e8), "remaining_pool_principal_cny": end,
                       "pool_cumulative_default_rate": pool["cumulative_default_rate"]}
    return TrusteeReportData(
        deal_name=name, trustee_name="华能贵诚信托有限公司", asset_class="npl" if is_npl else "consumer_loan",
        tranches=tranches, pool=pool, payments=payments, liquidation=liquidation,
        history=[] if is_npl else history, is_revolving=revolving, unit="万元" if rng.random() < 0.15 else None,
    )


def timed(paths: list[Path], parse, rounds: int) -> tuple[float, list]:
    """CPU seconds per document, best of `rounds` passes (bytes preloaded: disk is not measured).

    CPU time of this process, not wall time: it is what "per core" means, and with the best of
    a few passes it stays meaningful on a shared machine where other processes take turns.
    """
    blobs = [p.read_bytes() for p in paths]
    best, results = float("inf"), []
    for _ in range(rounds):
        started = time.process_time()
        results = [parse(blob) for blob in blobs]
        best = min(best, (time.process_time() - started) / len(blobs))
    return best, results


def plumber_parse(blob: bytes) -> dict:
    """A fair pdfplumber reader: page text + tables, key fields picked by the same synonyms."""
    import pdfplumber

    found: dict[str, str] = {}
    with pdfplumber.open(io.BytesIO(blob)) as pdf:
        text = []
        for page in pdf.pages:
            text.append(page.extract_text() or "")
            for table in page.extract_tables():
                for row in table:
                    cells = [c for c in row if c]
                    for i, cell in enumerate(cells[:2]):
                        field = POOL.match(cell) or TRANCHE.match(cell)
                        if field and field not in found and i + 1 < len(cells):
                            found[field] = cells[i + 1]
    found["text_chars"] = str(sum(len(t) for t in text))
    return found


def raw_text(blob: bytes) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(blob)
    chars = 0
    for page in pdf:
        textpage = page.get_textpage()
        chars += len(textpage.get_text_range())
        textpage.close()
        page.close()
    pdf.close()
    return chars


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="reports to render and parse")
    parser.add_argument("--plumber-limit", type=int, default=40,
                        help="parse only the first K files with pdfplumber (it is slow); 0 = all")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=2, help="timed passes per reader; the best counts")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    reports = [sample_report(rng, i) for i in range(args.n)]
    with tempfile.TemporaryDirectory(prefix="trustee-bench-") as tmp:
        paths = []
        started = time.process_time()
        for i, report in enumerate(reports):
            path = Path(tmp) / f"report-{i:04d}.pdf"
            path.write_bytes(render_trustee_report(report, TEMPLATES[i % len(TEMPLATES)], "pdf"))
            paths.append(path)
        render_s = (time.process_time() - started) / len(paths)
        pages = sum(raw_pages(p) for p in paths) / len(paths)

        ours_s, docs = timed(paths, parse_trustee_report, args.rounds)
        exact = sum(_exact(report, doc) for report, doc in zip(reports, docs))
        raw_s, _ = timed(paths, raw_text, args.rounds)
        sample = paths[: args.plumber_limit or len(paths)]
        plumber_s, plumbed = timed(sample, plumber_parse, args.rounds)
        plumber_found = sum("pool_balance_end_cny" in f for f in plumbed)

    rows = [
        ("render (reportlab, ours)", render_s, len(paths), ""),
        ("parse: ours (pypdfium2 charboxes)", ours_s, len(paths), f"rows equal to input: {exact}/{len(paths)}"),
        ("parse: pdfplumber text+tables", plumber_s, len(sample), f"found 期末资产池余额: {plumber_found}/{len(sample)}"),
        ("text only: raw pypdfium2", raw_s, len(paths), "no structure"),
    ]
    print(f"{args.n} trustee reports, templates {', '.join(TEMPLATES)}, {pages:.1f} pages each on average; "
          f"one process, CPU time, best of {args.rounds} passes")
    print(f"{'step':<36}{'docs':>6}{'ms/doc':>10}{'docs/s':>10}  note")
    for label, seconds, count, note in rows:
        print(f"{label:<36}{count:>6}{seconds * 1e3:>10.2f}{1 / seconds:>10.1f}  {note}")
    print(f"ours vs pdfplumber: {plumber_s / ours_s:.1f}x faster; raw pypdfium2 text is {ours_s / raw_s:.1f}x "
          "faster than our full parse")
    return 0


def raw_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path.read_bytes())
    try:
        return len(pdf)
    finally:
        pdf.close()


def _exact(report: TrusteeReportData, doc) -> bool:
    pool = {k: v for k, v in doc.tables["core.pool_performance"][0].items() if k not in PROVENANCE}
    pays = [{k: v for k, v in r.items() if k not in PROVENANCE} for r in doc.tables.get("core.tranche_payments", [])]
    events = [{k: v for k, v in r.items() if k not in PROVENANCE} for r in doc.tables.get("core.liquidation_events", [])]
    return (pool == dict(report.pool) and pays == [dict(p) for p in report.payments]
            and events == ([dict(report.liquidation)] if report.liquidation else []))


if __name__ == "__main__":
    sys.exit(main())
