"""Typing figures per cell vs. as polars columns, on the same batches of the high-volume families.

A parse batch collects the rows of hundreds of documents; their amounts, rates and dates can be
typed by the parser, cell by cell in Python (``parse_amount`` …), or handed over as printed and
typed by the batch as columns (``transforms.normalise.frames`` through ``pipeline.batches``).
This renders reports of the seed world (ABN 资产运营报告 and 年度资产管理报告 in every layout,
trustee reports in every template) and reads ChinaBond's real 2016 yield-curve download (4,116
rates as text, from the test fixtures); 收益分配报告 figures are computed by the parser, not printed, and stay per cell)
and, in one process, measures both ways on the same documents:

1. the families' whole parse + batch write, CPU seconds, cells typed per cell vs. deferred;
2. typing alone: every printed cell of those batches, repeated to ``--cells``, typed by the
   per-cell normalisers in a loop vs. by the expressions over one frame.

It checks that both ways write identical batch files. Numbers are CPU seconds of this process
(polars' threads included) and depend on the machine and its load: say both when quoting them.

    python bench/normalise_frames.py [--docs 40] [--cells 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

from pipeline.batches import BatchRows, BatchSpec  # noqa: E402
from pipeline.hooks import ParseContext  # noqa: E402
from sample_market.documents import abn_operating_report as abn_render  # noqa: E402
from sample_market.documents import asset_management_report as annual_render  # noqa: E402
from sample_market.documents.asset_management_report import annual_reports_from_tables  # noqa: E402
from sample_market.documents.exchange_layout import LAYOUTS  # noqa: E402
from sample_market.documents.trustee_report import TEMPLATES, reports_from_tables, render_trustee_report  # noqa: E402
from sample_market.world import build_world, exchange_disclosure  # noqa: E402
from transforms.normalise import frames  # noqa: E402
from transforms.normalise.dates import parse_date  # noqa: E402
from transforms.normalise.numbers import parse_amount, parse_rate  # noqa: E402
from transforms.parse.abn_operating_report import parse_abn_operating_report  # noqa: E402
from transforms.parse.asset_management_report import parse_asset_management_report  # noqa: E402
from transforms.parse.trustee_report import parse_trustee_report  # noqa: E402
from transforms.parse.yield_curve import parse_yield_curve  # noqa: E402
from warehouse.load import polars_schemas  # noqa: E402
from warehouse.migrate import apply_migrations  # noqa: E402
from warehouse.rawstore import StoredDocument, sha256_hex  # noqa: E402
from warehouse.tables import RULES  # noqa: E402

CENT, RATE = Decimal("0.01"), Decimal("1e-8")
CURVE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real_world" / "chinabond_govt_curve_2016.xlsx"


def documents(per_family: int) -> dict[str, list[tuple[bytes, object]]]:
    """Rendered reports of the seed world, ``per_family`` of each family, layouts mixed."""
    world = build_world(scale="seed", seed=20251231)
    if "annual_reports" not in world.extras:
        exchange_disclosure.build(world)
    deals = {d["deal_id"]: d["market"] for d in world.rows("core.deals")}
    of = lambda market: sorted({r["deal_id"] for r in world.rows("core.pool_performance")  # noqa: E731
                                if deals[r["deal_id"]] == market})
    abn = list(reports_from_tables(world.tables, of("abn")))
    trustee = list(reports_from_tables(world.tables, of("credit_abs")))
    annual = annual_reports_from_tables(world.tables, of("exchange_abs"))
    # each report in every layout, as many as asked (the seed world holds few ABN and annual reports)
    abn_cases = [(r, layout) for layout in LAYOUTS for r in abn][:per_family]
    annual_cases = [(r, layout) for layout in LAYOUTS for r in annual][:per_family]
    return {
        "abn_operating_report": [(abn_render.render_abn_operating_report(r, layout, names={}),
                                  parse_abn_operating_report) for r, layout in abn_cases],
        "asset_management_report": [(annual_render.render_asset_management_report(r, layout),
                                     parse_asset_management_report) for r, layout in annual_cases],
        "trustee_report": [(render_trustee_report(r, TEMPLATES[i % len(TEMPLATES)], "pdf"),
                            lambda data: parse_trustee_report(data, file_name="report.pdf"))
                           for i, r in enumerate(trustee[:: max(1, len(trustee) // per_family)][:per_family])],
        "yield_curve": [(CURVE.read_bytes(), lambda data: parse_yield_curve(data, file_name=CURVE.name))],
    }


def schemas(tmp: Path) -> dict:
    con = duckdb.connect(str(tmp / "w.duckdb"))
    apply_migrations(con)
    out = polars_schemas(con, RULES)
    con.close()
    return out


def run_batch(docs, deferred: bool, tmp: Path, name: str, table_schemas) -> tuple[float, float, dict, list]:
    """(parse CPU s, write CPU s, table → frame written, printed cells) of one batch."""
    batch = BatchRows(BatchSpec(name, name, (), ParseContext(), tmp / name, table_schemas))
    frames.defer_cells(deferred)
    printed: list = []
    started = time.process_time()
    for data, parser in docs:
        parsed = parser(data)
        if deferred:  # (kind, cell): the batch takes the kind from the column's warehouse type
            printed += [(frames.kind_of(table_schemas[table][column]), value) for table, rows in parsed.tables.items()
                        for row in rows for column, value in row.items() if isinstance(value, frames.Raw)]
        digest = sha256_hex(data)
        batch.keep(StoredDocument("bench", digest[:12], digest, None, None, "r.pdf", "2026-01-01", None, len(data),
                                  "", "", tmp / digest), parsed)
    parsed_at = time.process_time()
    files, misfits = batch.write()
    written = time.process_time()
    assert not misfits, misfits
    return (parsed_at - started, written - parsed_at,
            {t: pl.read_parquet(p).sort("document_id", "_seq") for t, (p, _) in files.items()}, printed)


def per_cell(cells: list[tuple[str, frames.Raw]]) -> int:
    """Type cells one by one, as the parsers do without a batch; returns how many read."""
    read = 0
    for kind, raw in cells:
        if kind == "amount":
            value = parse_amount(raw.text, raw.unit)
            value = None if value is None else value.quantize(CENT, ROUND_HALF_UP if raw.half_up else None)
        elif kind == "rate":
            value = parse_rate(raw.text, {"percent": True, "fraction": False, "permille": False}.get(raw.unit))
            value = None if value is None else (value.scaleb(-3) if raw.unit == "permille" else value).quantize(
                RATE, ROUND_HALF_UP if raw.half_up else None)
        else:
            value = parse_date(raw.text)
        read += value is not None
    return read


def as_columns(cells: list[tuple[str, frames.Raw]]) -> int:
    """Type the same cells as one frame per kind, by expression; returns how many read."""
    read = 0
    for kind in ("amount", "rate", "date"):
        mine = [raw for k, raw in cells if k == kind]
        if not mine:
            continue
        frame = pl.DataFrame({"text": [r.text for r in mine], "unit": [r.unit for r in mine],
                              "half_up": [r.half_up for r in mine]},
                             schema={"text": pl.String, "unit": pl.String, "half_up": pl.Boolean})
        read += frames.typed(frame, kind).is_not_null().sum()
    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=40, help="documents per family")
    parser.add_argument("--cells", type=int, default=1_000_000, help="printed cells typed in part 2")
    parser.add_argument("--rounds", type=int, default=3, help="best of N for every timing")
    args = parser.parse_args()
    t = time.perf_counter()
    docs = documents(args.docs)
    print(f"rendered {sum(map(len, docs.values()))} documents in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        table_schemas = schemas(tmp)
        all_printed = []
        print(f"\n1. parse + batch write, CPU s (best of {args.rounds}); per cell → deferred (typed as columns)")
        print(f"{'family':<26}{'docs':>5}{'parse':>16}{'write':>16}{'total':>16}{'change':>9}")
        for family, family_docs in docs.items():
            best: dict[bool, tuple[float, float]] = {}
            for round_ in range(args.rounds):
                for deferred in (False, True):
                    parse_s, write_s, written, printed = run_batch(family_docs, deferred, tmp,
                                                                   f"{family}-{deferred}-{round_}", table_schemas)
                    if deferred and round_ == 0:
                        all_printed += printed
                        assert all(written[t].equals(typed_frames[t]) for t in written), f"{family}: files differ"
                    elif round_ == 0:
                        typed_frames = written
                    if deferred not in best or parse_s + write_s < sum(best[deferred]):
                        best[deferred] = (parse_s, write_s)
            (p0, w0), (p1, w1) = best[False], best[True]
            print(f"{family:<26}{len(family_docs):>5}{p0:>8.3f} → {p1:<6.3f}{w0:>8.3f} → {w1:<6.3f}"
                  f"{p0 + w0:>8.3f} → {p1 + w1:<6.3f}{(p1 + w1) / (p0 + w0) - 1:>+8.1%}")
        frames.defer_cells(False)
        cells = all_printed
        repeated = (cells * (args.cells // max(len(cells), 1) + 1))[: args.cells]
        print(f"\n2. typing alone: {len(repeated):,} printed cells ({len(cells):,} distinct cells of the batches "
              f"above, repeated; {sum(k == 'amount' for k, _ in cells):,} amounts, "
              f"{sum(k == 'rate' for k, _ in cells):,} rates, {sum(k == 'date' for k, _ in cells):,} dates)")
        timings = {}
        for name, function in (("per cell (parse_amount …)", per_cell), ("as columns (frames)", as_columns)):
            runs = []
            for _ in range(args.rounds):
                started = time.process_time()
                read = function(repeated)
                runs.append(time.process_time() - started)
            timings[name] = min(runs)
            print(f"{name:<28}{timings[name]:>8.3f} s CPU  {len(repeated) / timings[name]:>12,.0f} cells/s  "
                  f"({read:,} read)")
        first, second = timings.values()
        print(f"as columns: {first / second:.1f}× the per-cell rate")


if __name__ == "__main__":
    main()
