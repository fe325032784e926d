"""`abs-etl review` on a published warehouse: every number in the text is a link to a footnote
whose query, run again here, gives that number; the numbers that are seed-report figures equal
the catalogue's printed values; the page is one offline file; a period without data says so;
the PDF shows real CJK glyphs (not tofu, not blank)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from reports.review import parse_period
from tests.reports.conftest import REPO, run_cli
from warehouse.figures import load_catalogue

CATALOGUE = {f.id: f for f in load_catalogue()}


class ReviewParser(HTMLParser):
    """Numbers (``a.num`` with their footnote and column), footnote SQL, and paragraph text."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: list[dict] = []
        self.sql: dict[int, str] = {}
        self.paragraphs: list[str] = []
        self._num: dict | None = None
        self._pre_for: int | None = None
        self._li: int | None = None
        self._p: list[str] | None = None
        self._skip = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            value = a.get(key) or ""
            if value and not value.startswith(("#", "data:")):
                self.external.append(value)
        if tag == "a" and "num" in (a.get("class") or "").split():
            self._num = {"q": int(a["data-q"]), "col": a["data-col"], "row": int(a["data-row"]),
                         "unit": a["data-unit"], "href": a["href"], "text": ""}
        elif tag == "li" and (a.get("id") or "").startswith("fn"):
            self._li = int(a["id"][2:])
        elif tag == "pre" and self._li is not None:
            self._pre_for = self._li
            self.sql[self._li] = ""
        elif tag == "p":
            self._p = []
        elif tag in ("sup", "code"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._num is not None:
            self.numbers.append(self._num)
            if self._p is not None:
                self._p.append("⟨n⟩")
            self._num = None
        elif tag == "pre":
            self._pre_for = None
        elif tag == "p" and self._p is not None:
            self.paragraphs.append("".join(self._p))
            self._p = None
        elif tag in ("sup", "code"):
            self._skip -= 1

    def handle_data(self, data):
        if self._num is not None:
            self._num["text"] += data
        elif self._pre_for is not None:
            self.sql[self._pre_for] += data
        elif self._p is not None and not self._skip:
            self._p.append(data)


def parse(path: Path) -> ReviewParser:
    parser = ReviewParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def printed_to_decimal(text: str, unit: str) -> tuple[Decimal, int]:
    """The printed number and its decimals: 1,358.80亿元 → (1358.80, 2); 7.20% → (0.0720, 4)."""
    digits = text.replace(",", "").removesuffix(unit)
    value = Decimal(digits)
    places = len(digits.split(".")[1]) if "." in digits else 0
    if unit == "%":
        return value / 100, places + 2
    return value, places


@pytest.fixture(scope="module")
def review_2025(published_truth, tmp_path_factory):
    out = tmp_path_factory.mktemp("review-2025")
    result = run_cli(published_truth, "review", "--period", "2025", "--out", str(out), "--no-pdf")
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "review.html", result.stdout


def test_every_number_is_a_footnoted_query_value(review_2025, published_truth):
    path, _ = review_2025
    parsed = parse(path)
    assert len(parsed.numbers) > 60
    con = duckdb.connect(str(published_truth / "warehouse" / "abs_warehouse.duckdb"), read_only=True)
    try:
        answers = {}
        for q, sql in parsed.sql.items():
            rel = con.sql(sql)
            answers[q] = (rel.columns, rel.fetchall())
        for n in parsed.numbers:
            assert n["href"] == f"#fn{n['q']}" and n["q"] in parsed.sql
            columns, rows = answers[n["q"]]
            exact = rows[n["row"]][columns.index(n["col"])]
            unit = n["unit"]
            shown, places = printed_to_decimal(n["text"], unit)
            expected = Decimal(str(exact))
            if unit in ("%",):
                # the sentence may print |YoY| after 增长/下降
                expected_abs = abs(expected)
                assert abs(abs(shown) - expected_abs) <= Decimal(1).scaleb(-places) / 2 + Decimal("1e-12"), n
            else:
                assert abs(shown - abs(expected)) <= Decimal(1).scaleb(-places) / 2 + Decimal("1e-12"), n
    finally:
        con.close()


def test_numbers_that_are_seed_figures_equal_the_catalogue(review_2025):
    path, _ = review_2025
    text = path.read_text(encoding="utf-8")
    plain = re.sub(r"<[^>]+>", "", text)
    s01 = CATALOGUE["S-01"].expected
    deals, deals_yoy = s01["deals"], s01["deals_yoy"]
    amount, amount_yoy = s01["amount_yi"], s01["amount_yoy"]
    assert (f"2025年，小微贷款ABS共发行{deals}单，同比增长{deals_yoy * 100:.2f}%，"
            f"发行规模{amount:,.2f}亿元，同比增长{amount_yoy * 100:.2f}%") in plain
    # the by-class and by-market tables split the same deals: their amounts add up alike
    parsed = parse(path)

    def total(query: int) -> Decimal:
        rows = {n["row"]: printed_to_decimal(n["text"], "亿元")[0] for n in parsed.numbers
                if n["col"] == "amount_yi" and n["q"] == query}
        return sum(rows.values())

    assert abs(total(2) - total(3)) <= Decimal("0.05")


def test_no_number_in_the_text_without_a_link(review_2025):
    path, _ = review_2025
    for paragraph in parse(path).paragraphs:
        rest = re.sub(r"\d{4}-\d{2}-\d{2}|\d{4}年(\d{1,2}月)?|run \S+|\d{2}:\d{2}", "", paragraph)
        assert not re.search(r"\d", rest), paragraph


def test_the_page_is_one_offline_file(review_2025):
    path, _ = review_2025
    parsed = parse(path)
    assert parsed.external == []
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert "url(data:font/ttf;base64," in text  # the CJK font travels with the page
    assert text.count('src="data:image/png;base64,') >= 8  # the chart report's charts, embedded


def test_a_period_without_data_says_so(published_truth, tmp_path):
    result = run_cli(published_truth, "review", "--period", "2031-H1", "--out", str(tmp_path), "--no-pdf")
    assert result.returncode == 0, result.stderr[-3000:]
    parsed = parse(tmp_path / "review.html")
    assert parsed.numbers == []
    text = (tmp_path / "review.html").read_text(encoding="utf-8")
    assert "仓库中没有2031年上半年的任何数据" in text
    plain = re.sub(r"<pre.*?</pre>", "", text, flags=re.S)
    plain = re.sub(r"<[^>]+>", "", plain.split('<ol class="notes">')[0])
    assert not re.search(r"(?<![\d-])0(\.0+)?(单|只|家|亿元|%)", plain)
    assert "data:image/png" not in text  # no charts of other windows either


def test_periods():
    assert parse_period("2025").end == date(2025, 12, 31)
    h1 = parse_period("2025-h1")
    assert (h1.start, h1.end, h1.label, h1.prev_end) == (date(2025, 1, 1), date(2025, 6, 30), "2025年上半年", date(2024, 6, 30))
    assert parse_period("2025-Q3").end == date(2025, 9, 30)
    for bad in ("25", "2025-H3", "2025-07"):
        with pytest.raises(ValueError):
            parse_period(bad)


# ── the PDF: printed by Chromium, CJK glyphs drawn ────────────────────────────────────────
@pytest.fixture(scope="module")
def chromium():
    from reports.browser import BrowserMissing, find_chromium

    try:
        return find_chromium()
    except BrowserMissing:
        subprocess.run(["bash", str(REPO / "scripts" / "system-deps.sh")], capture_output=True, timeout=900)
        try:
            return find_chromium()
        except BrowserMissing as exc:
            pytest.skip(str(exc))


@pytest.fixture(scope="module")
def review_pdf(published_truth, tmp_path_factory, chromium):
    out = tmp_path_factory.mktemp("review-pdf")
    result = run_cli(published_truth, "review", "--period", "2025-H1", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "review.html").exists() and (out / "review.pdf").read_bytes()[:5] == b"%PDF-"
    return out


def _glyph_bitmaps(pdf_path: Path, page_index: int = 0, chars: int = 40) -> list[tuple[str, bytes, int]]:
    """(character, its rendered pixels, inked pixel count) for the first CJK characters of a page,
    cut out of the page rendered by pdfium at each character's box."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    page = pdf[page_index]
    scale = 4
    image = page.render(scale=scale, grayscale=True).to_pil()
    height = page.get_height()
    text = page.get_textpage()
    out = []
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if not re.match(r"[\u4e00-\u9fff]", ch):
            continue
        left, bottom, right, top = text.get_charbox(i)
        box = (int(left * scale), int((height - top) * scale), int(right * scale) + 1, int((height - bottom) * scale) + 1)
        crop = image.crop(box).resize((24, 24))
        pixels = crop.tobytes()
        out.append((ch, pixels, sum(1 for p in pixels if p < 128)))
        if len(out) == chars:
            break
    pdf.close()
    return out


def test_pdf_draws_cjk_glyphs_not_tofu(review_pdf):
    glyphs = _glyph_bitmaps(review_pdf / "review.pdf")
    assert len(glyphs) >= 30, "the PDF's first page has no Chinese text layer"
    assert all(ink > 10 for _, _, ink in glyphs), "blank glyphs"
    distinct_chars = {ch for ch, _, _ in glyphs}
    distinct_bitmaps = {pixels for _, pixels, _ in glyphs}
    # tofu draws every missing character as the same box; real glyphs differ per character
    assert len(distinct_bitmaps) >= 0.9 * len(distinct_chars)


def _segments(region) -> list[bytes]:
    """Glyph-sized pieces of a line of text: column runs with ink, split at blank columns."""
    width, height = region.size
    pixels = region.load()
    inked = [any(pixels[x, y] < 128 for y in range(height)) for x in range(width)]
    pieces, start = [], None
    for x, ink in enumerate([*inked, False]):
        if ink and start is None:
            start = x
        elif not ink and start is not None:
            pieces.append(region.crop((start, 0, x, height)).resize((16, 24)).tobytes())
            start = None
    return pieces


def test_the_browser_renders_the_title_in_cjk_glyphs(review_pdf, tmp_path):
    """A Chromium screenshot of the HTML: the title line is drawn (ink) and its glyphs differ from
    one another, as real characters do and tofu boxes do not."""
    from PIL import Image

    from reports.browser import screenshot

    shot_path = screenshot(review_pdf / "review.html", tmp_path / "review.png", width=1000, height=400)
    with Image.open(shot_path) as shot:
        gray = shot.convert("L")
    rows = [y for y in range(gray.size[1]) if any(gray.getpixel((x, y)) < 100 for x in range(0, gray.size[0], 2))]
    assert rows, "the screenshot is blank"
    top = rows[0]
    bottom = top
    while bottom + 1 in rows:
        bottom += 1
    title = gray.crop((0, top, gray.size[0], bottom + 1))
    pieces = _segments(title)
    title_text = re.search(r"<h1>(.*?)</h1>", (review_pdf / "review.html").read_text(encoding="utf-8")).group(1)
    assert len(pieces) >= len(title_text) * 0.7, (len(pieces), title_text)
    assert len(set(pieces)) >= 0.7 * len(set(title_text))
