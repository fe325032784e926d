"""The polars normalisers give exactly what the per-cell functions give, cell for cell —
as expressions and as the frame stages the batch runs.

Each kind is run over tens of thousands of generated spellings (signs, separators, widths,
units, null markers, broken text) and over every text cell of the real-world fixtures. A cell
agrees when both give the same value, both say "nothing here", or the per-cell function
refuses it and the expression gives null without calling it blank (so the batch quarantines
it). Past Decimal's 28-digit context the per-cell path crashes (the document is quarantined as
a parser crash) and the expression refuses the cell (quarantined naming it): both count as
refused. Inputs with more than 28 significant digits, which Python rounds twice, are not
generated (the warehouse's DECIMAL(20,2) refuses them anyway).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from transforms.normalise import frames
from transforms.normalise.dates import parse_date
from transforms.normalise.numbers import NULL_MARKERS, parse_amount, parse_rate
from transforms.normalise.ratings import LONG_TERM_SCALE, SHORT_TERM_SCALE, UNRATED_MARKERS, parse_rating

REAL_WORLD = Path(__file__).parents[2] / "fixtures" / "real_world"
REFUSED = "refused"
CENT, RATE = Decimal("0.01"), Decimal("1e-8")
FULL_WIDTH = {ch: chr(ord(ch) + 0xFEE0) for ch in "0123456789.,-+()%"}
SPACES = [" ", "\u00a0", "\u3000", "\u2009", "\u200b", "\t", "\x1c", "\n"]
MINUSES = ["-", "\u2212", "\u2013", "\ufe63", "\uff0d"]


def per_cell(function, *args):
    try:
        return function(*args)
    except (ValueError, ArithmeticError):  # ArithmeticError: 1e999999, the parser crashes (quarantined too)
        return REFUSED


def amount_per_cell(text: str, unit: str | None, half_up: bool) -> Decimal | str | None:
    value = per_cell(parse_amount, text, unit)
    if value in (None, REFUSED):
        return value
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP) if half_up else value.quantize(CENT)
    except ArithmeticError:  # past 28 digits (1e427): the parser crashes, the document is quarantined
        return REFUSED


def rate_per_cell(text: str, unit: str | None, half_up: bool = False) -> Decimal | str | None:
    as_percent = {"percent": True, "fraction": False, "permille": False, None: None}[unit]
    value = per_cell(parse_rate, text, as_percent)
    if value in (None, REFUSED):
        return value
    try:
        return (value.scaleb(-3) if unit == "permille" else value).quantize(
            RATE, rounding=ROUND_HALF_UP if half_up else None)
    except ArithmeticError:
        return REFUSED


def rating_per_cell(text: str) -> str | None:
    value = per_cell(parse_rating, text)
    return value if value in (None, REFUSED) else str(value)


def disagreements(kind: str, cases: list[tuple], expected) -> list[str]:
    """Cells where the expression and the per-cell function differ (empty when equivalent)."""
    columns = {"text": [c[0] for c in cases]}
    if kind in ("amount", "rate"):
        columns["unit"] = [c[1] for c in cases]
        columns["half_up"] = [c[2] for c in cases]
    frame = pl.DataFrame(columns, schema={"text": pl.String, "unit": pl.String, "half_up": pl.Boolean}
                         if kind in ("amount", "rate") else None)
    text = pl.col("text")
    if kind == "amount":
        value = frames.amount(text, pl.col("unit"), half_up=pl.col("half_up"))
    elif kind == "rate":
        value = frames.rate(text, pl.col("unit"), half_up=pl.col("half_up"))
    else:
        value = frames.BUILDERS[kind](text)
    got = frame.select(value.alias("value"), frames.blank(kind, text).alias("blank"))
    staged = frames.typed(frame, kind)  # the same plan run as frame stages (the batch path)
    assert staged.equals(got["value"], check_names=False), f"{kind}: expression and frame stages differ"
    problems = []
    for case, (value, is_blank) in zip(cases, got.rows()):
        want = expected(*case)
        if want == REFUSED:
            ok = value is None and not is_blank
        elif want is None:
            ok = value is None and is_blank
        else:
            ok = value is not None and value == want and type(value) is type(want)
        if not ok:
            problems.append(f"{case!r}: per cell {want!r}, expression {value!r} (blank {is_blank})")
    return problems


# ───────────────────────────── generated spellings ─────────────────────────────
def _digits(rng: random.Random, most: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(0, most)))


def _grouped(rng: random.Random, whole: str) -> str:
    if len(whole) <= 3 or rng.random() < 0.5:
        return whole
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    if rng.random() < 0.1:  # a wrong grouping
        groups[-1] = groups[-1][:2]
    return ",".join([whole, *groups])


def _dress(rng: random.Random, text: str) -> str:
    """Full-width forms, odd spaces and minus look-alikes, as extracted text carries them."""
    if rng.random() < 0.2:
        text = "".join(FULL_WIDTH.get(ch, ch) if rng.random() < 0.7 else ch for ch in text)
    if rng.random() < 0.2:
        text = text.replace("-", rng.choice(MINUSES))
    if rng.random() < 0.25:
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(SPACES) + text[at:]
    if rng.random() < 0.1:
        text = rng.choice(SPACES) + text + rng.choice(SPACES)
    return text


def _number_text(rng: random.Random) -> str:
    whole = _digits(rng, 18)
    text = rng.choice(["", "", "", "-", "+", "--"]) + _grouped(rng, whole)
    if rng.random() < 0.6:
        text += "." + _digits(rng, 6 if rng.random() < 0.8 else 3)
    if rng.random() < 0.05:
        text += rng.choice("eE") + rng.choice(["", "-", "+"]) + str(rng.randint(0, 6))
    if rng.random() < 0.1:
        text = f"({text})"
    if rng.random() < 0.03:
        text = "".join(rng.choice("٠١٢٣٤٥٦٧٨٩") if ch.isdigit() and rng.random() < 0.5 else ch for ch in text)
    return text


JUNK = ["x", "%", "元元", "O", "l", "..", ",", "(", ")", "约", "1.2.3", "—", "e"]


def _spelling(rng: random.Random, number: str, suffixes: list[str], nulls) -> str:
    roll = rng.random()
    if roll < 0.06:
        marker = rng.choice(sorted(nulls))
        return _dress(rng, marker.lower() if rng.random() < 0.3 else marker)
    if roll < 0.12:
        at = rng.randint(0, len(number))
        return number[:at] + rng.choice(JUNK) + number[at:]
    if rng.random() < 0.3:
        number += rng.choice(suffixes)
    return _dress(rng, number)


def generated_amounts(count: int, seed: int) -> list[tuple[str, str | None, bool]]:
    rng = random.Random(seed)
    units = ["CNY", "CNY", "wan", "yi", None, None]
    suffixes = ["元", "万元", "亿元", "万", "亿", "人民币元", "元人民币", "人民币万元", " 万元", "%"]
    return [(_spelling(rng, _number_text(rng), suffixes, NULL_MARKERS), rng.choice(units), rng.random() < 0.3)
            for _ in range(count)]


def generated_rates(count: int, seed: int) -> list[tuple[str, str | None, bool]]:
    rng = random.Random(seed)
    suffixes = ["%", "%", "％", "bp", "BP", "bps", "Bps", "基点", " %"]
    cases = []
    for _ in range(count):
        number = _number_text(rng) if rng.random() < 0.5 else f"{rng.randint(0, 12)}.{_digits(rng, 9)}"
        if rng.random() < 0.3:
            number = f"0.{_digits(rng, 10)}"
        cases.append((_spelling(rng, number, suffixes, NULL_MARKERS),
                      rng.choice(["percent", "fraction", "permille", None]), rng.random() < 0.3))
    return cases


def generated_dates(count: int, seed: int) -> list[tuple[str]]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        year = f"{rng.choice([rng.randint(1900, 2100), rng.randint(0, 9999)]):04d}"
        month, day = str(rng.randint(0, 13)), str(rng.randint(0, 32))
        if rng.random() < 0.5:
            month, day = month.zfill(2), day.zfill(2)
        sep = rng.choice(["-", "/", ".", "-", "/", "_"])
        sep2 = sep if rng.random() < 0.9 else rng.choice("-/.")
        time = rng.choice(["", "", "", " 10:00", "T09:30:00", " 9:05:01.25", "T00:00:00Z", " 12:00+08:00", " 10:0"])
        form = rng.random()
        if form < 0.3:
            s = lambda: rng.choice(["", "", " "])  # noqa: E731
            text = f"{year}{s()}年{s()}{month}{s()}月{s()}{day}{s()}{rng.choice(['日', '日', ''])}{time}"
        elif form < 0.55:
            text = f"{year}{sep}{month}{sep2}{day}{time}"
        elif form < 0.7:
            text = f"{year}{month.zfill(2)}{day.zfill(2)}"[: rng.choice([8, 8, 8, 7, 9])]
        elif form < 0.8:
            ms = rng.randint(-9_999_999_999_999, 9_999_999_999_999)
            text = str(ms) if rng.random() < 0.8 else str(ms).zfill(13)
        elif form < 0.9:
            text = f"{rng.randint(0, 120_000):05d}" + (f".{_digits(rng, 20)}" if rng.random() < 0.5 else "")
        elif form < 0.95:
            text = rng.choice(sorted(NULL_MARKERS)) if rng.random() < 0.8 else rng.choice(JUNK)
        else:
            text = rng.choice(["0" * 8, "00012345", "-000000012345", "0000012345678", "-0000020250731",
                               f"{rng.randint(10_000, 99_999)}.{'9' * 20}", "2025-7/1", "20250230"])
        cases.append((_dress(rng, text),))
    return cases


def generated_ratings(count: int, seed: int) -> list[tuple[str]]:
    rng = random.Random(seed)
    grades = list(LONG_TERM_SCALE + SHORT_TERM_SCALE) + ["AAAA", "BBBB+", "A-2+", "E", "A1"]
    cases = []
    for _ in range(count):
        if rng.random() < 0.08:
            cases.append((_dress(rng, rng.choice(sorted(UNRATED_MARKERS))),))
            continue
        grade = rng.choice(grades)
        if rng.random() < 0.3:
            grade = grade.lower()
        if rng.random() < 0.1:
            grade = grade.replace("+", rng.choice(["\u207a", "^+", "^{+}", "＋"]))
        suffix = rng.choice(["", "", "sf", "SF", " sf", "(sf)", " (SF)", "_{sf}", "\nsf", "spc", "sfsf", "级", "s f"])
        cases.append((_dress(rng, grade + suffix),))
    return cases


SEEDS = range(3)


@pytest.mark.parametrize("seed", SEEDS)
def test_amounts_equal_parse_amount(seed):
    cases = generated_amounts(8_000, seed)
    assert sum(amount_per_cell(*c) not in (None, REFUSED) for c in cases) > 4_000  # most cells read
    assert disagreements("amount", cases, amount_per_cell) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_rates_equal_parse_rate(seed):
    cases = generated_rates(8_000, seed)
    assert sum(rate_per_cell(*c) not in (None, REFUSED) for c in cases) > 3_000
    assert disagreements("rate", cases, rate_per_cell) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_dates_equal_parse_date(seed):
    cases = generated_dates(8_000, seed)
    assert sum(per_cell(parse_date, *c) not in (None, REFUSED) for c in cases) > 3_000
    assert disagreements("date", cases, lambda text: per_cell(parse_date, text)) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_ratings_equal_parse_rating(seed):
    cases = generated_ratings(8_000, seed)
    assert sum(rating_per_cell(*c) not in (None, REFUSED) for c in cases) > 3_000
    assert disagreements("rating", cases, rating_per_cell) == []


def test_ties_round_as_the_parser_rounds():
    """Half a cent (half a 1e-8 of a rate): half-even by default (Decimal.quantize), half-up
    where a parser asks."""
    cases = [("0.125", "CNY", False), ("0.125", "CNY", True), ("0.135", "CNY", False), ("-0.125", None, True),
             ("0.0000125", "wan", False), ("0.0000135", "wan", True)]
    got = pl.DataFrame({"t": [c[0] for c in cases], "u": [c[1] for c in cases], "h": [c[2] for c in cases]}).select(
        frames.amount(pl.col("t"), pl.col("u"), half_up=pl.col("h"))).to_series().to_list()
    assert got == [Decimal("0.12"), Decimal("0.13"), Decimal("0.14"), Decimal("-0.13"), Decimal("0.12"),
                   Decimal("0.14")]
    assert got == [amount_per_cell(*c) for c in cases]
    rates = pl.DataFrame({"t": ["1.2345665%"] * 2, "h": [False, True]}).select(
        frames.rate(pl.col("t"), half_up=pl.col("h"))).to_series().to_list()
    assert rates == [Decimal("0.01234566"), Decimal("0.01234567")]
    assert rates == [rate_per_cell("1.2345665%", None, h) for h in (False, True)]


# ───────────────────────────── real-world spellings ─────────────────────────────
def real_cells() -> list[str]:
    """Every text cell of the real-world workbooks (amounts, rates, dates, ratings, names …)."""
    cells = []
    for path in sorted(REAL_WORLD.glob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += [v for v in row if isinstance(v, str)]
    return list(dict.fromkeys(cells))


@pytest.fixture(scope="module")
def real():
    cells = real_cells()
    assert len(cells) > 1_000
    return cells


def test_real_cells_as_amounts(real):
    cases = [(text, unit, False) for text in real for unit in ("CNY", "wan", None)]
    assert disagreements("amount", cases, amount_per_cell) == []
    assert sum(amount_per_cell(*c) not in (None, REFUSED) for c in cases) > 300  # 发行量(万元) as text


def test_real_cells_as_rates(real):
    cases = [(text, unit, half_up) for text in real for unit in ("percent", None) for half_up in (False, True)]
    assert disagreements("rate", cases, rate_per_cell) == []
    assert sum(rate_per_cell(*c) not in (None, REFUSED) for c in cases) > 300  # 收益率(%), 发行利率(%)


def test_real_cells_as_dates(real):
    cases = [(text,) for text in real]
    assert disagreements("date", cases, lambda text: per_cell(parse_date, text)) == []
    assert sum(isinstance(per_cell(parse_date, *c), dt.date) for c in cases) > 200  # 2016/01/04 …


def test_real_cells_as_ratings(real):
    cases = [(text,) for text in real]
    assert disagreements("rating", cases, rating_per_cell) == []
    assert sum(rating_per_cell(*c) not in (None, REFUSED) for c in cases) > 5  # AAAsf …


def test_a_unit_factor_must_be_a_power_of_ten():
    with pytest.raises(ValueError, match="power of ten"):
        frames._power_of_ten(Decimal(12_000))
