"""What a document is, from its bytes alone: the one content sniffer of the pipeline.

Names and listings lie (an HTML block page saved as ``.pdf``, a PNG named ``.pdf``, an old
``.xls`` or a ``.docx`` posing as ``.xlsx``), so every part of the pipeline that needs the
format asks :func:`sniff`: the fetch side (is this body what we asked for?), the parsers
(which reader?), the registry (``raw.documents.file_format``) and the pre-parse screening
(``pipeline.limits``). ``sniff`` is cheap: it reads magic bytes, a ZIP's central directory
(never inflating a member), an OLE2 directory's stream names, an image header, and decodes
text to tell its encoding. When the bytes cannot be a document we read, ``Sniffed.problem``
says so in words a person can act on.

The deeper looks the screening needs live here too, each bounded: :func:`zip_inventory`
(sizes from the central directory), :func:`xml_prolog_has_dtd` (reads only the prolog of an
XML part), :func:`pdf_facts` (trailer, encryption, JavaScript, page count, and the content
streams inflated against a budget in small chunks) and :func:`json_depth` (nesting counted
over the bytes, before ``json.loads`` could recurse).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

TEXT_ENCODINGS_TRIED = ("UTF-8", "GB18030", "UTF-16 (with a byte-order mark)")

_UTF8_BOM = b"\xef\xbb\xbf"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP"),
)
_ARCHIVES = ((b"Rar!\x1a\x07", "RAR"), (b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"\x1f\x8b", "gzip"))
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<script", b"<!--")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_CHARSET = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


@dataclass(frozen=True)
class Sniffed:
    """The format of some bytes, and why they cannot be read (``problem``), if they cannot.

    ``kind``: pdf, xlsx, json, text (CSV/TSV), html, xml, docx, pptx, ods, zip, xls, doc,
    ole2, image, archive, rtf, empty, binary. ``check`` names the problem for quarantine.
    """

    kind: str
    detail: str = ""
    encoding: str | None = None
    problem: str | None = None
    check: str | None = None

    @property
    def file_format(self) -> str:
        """The value for ``raw.documents.file_format`` (text documents are CSVs)."""
        return "csv" if self.kind == "text" else self.kind


def sniff(data: bytes) -> Sniffed:
    """The format of ``data`` from its bytes; never inflates, never parses a whole document."""
    if not data:
        return Sniffed("empty", problem="empty file (0 bytes): nothing was delivered", check="empty_file")
    if not data.strip(b" \t\r\n\f\x00" + _UTF8_BOM):
        return Sniffed("empty", problem=f"blank file ({len(data):,} bytes of whitespace only)", check="empty_file")
    if b"%PDF-" in data[:1024]:
        return Sniffed("pdf", detail=_pdf_version(data))
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _sniff_zip(data)
    if data[:8] == _OLE2:
        return _sniff_ole2(data)
    for magic, name in _IMAGES:
        if data.startswith(magic):
            return _image(data, name)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _image(data, "WebP")
    for magic, name in _ARCHIVES:
        if data.startswith(magic):
            return Sniffed("archive", detail=name, check="unsupported_format",
                           problem=f"a {name} archive, not a document: unpack it and deliver the files inside")
    if data.startswith(b"{\\rtf"):
        return Sniffed("rtf", check="unsupported_format",
                       problem="an RTF (rich text) document, not a PDF, XLSX, CSV or JSON file")
    return _sniff_text(data)


def file_format(data: bytes) -> str:
    """Shortcut for the registry and the parsers: ``sniff(data).kind``."""
    return sniff(data).kind


# ───────────────────────────── ZIP / OOXML ─────────────────────────────
def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = tuple(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return Sniffed("zip", detail="broken", check="corrupt_file",
                       problem=f"XLSX/ZIP file is truncated or corrupt ({exc}): the download was cut short or the "
                               "file is damaged; fetch it again")
    members = frozenset(names)
    if "xl/workbook.xml" in members:
        return Sniffed("xlsx")
    if "word/document.xml" in members:
        return Sniffed("docx", check="unsupported_format",
                       problem="a Word document (.docx), not a spreadsheet or PDF: ask for the report as PDF or XLSX")
    if "ppt/presentation.xml" in members:
        return Sniffed("pptx", check="unsupported_format",
                       problem="a PowerPoint presentation (.pptx), not a spreadsheet or PDF")
    if "mimetype" in members and "content.xml" in members:
        return Sniffed("ods", check="unsupported_format",
                       problem="an OpenDocument file (.ods/.odt), not read: save it as .xlsx")
    shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
    return Sniffed("zip", check="unsupported_format",
                   problem=f"a ZIP archive of {len(names)} file(s) ({shown}) without a workbook: "
                           "unpack it and deliver the files inside")


@dataclass(frozen=True)
class ZipInventory:
    """A ZIP container as its central directory declares it (nothing inflated)."""

    members: int
    compressed_bytes: int
    uncompressed_bytes: int

    @property
    def ratio(self) -> float:
        return self.uncompressed_bytes / max(self.compressed_bytes, 1)


def zip_inventory(data: bytes) -> ZipInventory:
    """Member count and total sizes from the central directory.

    ``zipfile`` never returns more than a member's declared size (it stops inflating there),
    so the declared sizes bound what any reader of ours can inflate.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    return ZipInventory(len(infos), sum(i.compress_size for i in infos), sum(i.file_size for i in infos))


def xml_parts_with_dtd(data: bytes) -> list[str]:
    """XML parts of an OOXML package whose prolog declares a DTD (entity declarations live there)."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels", ".vml")) and not info.is_dir():
                with archive.open(info) as part:
                    if xml_prolog_has_dtd(part):
                        found.append(info.filename)
    return found


_PROLOG_CHUNK = 4096
_PROLOG_MAX = 1 << 20


def xml_prolog_has_dtd(source: bytes | io.IOBase) -> bool:
    """True if the XML declares a DTD (``<!DOCTYPE``) before its root element.

    A DTD can only stand in the prolog, so only the prolog is read (in 4 KB chunks, at most
    1 MB of comments and processing instructions): the body is never inflated or parsed.
    """
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    buffer = stream.read(_PROLOG_CHUNK)
    encoding = "utf-16" if buffer[:2] in (b"\xff\xfe", b"\xfe\xff") else None
    while True:
        text = buffer.decode(encoding, errors="ignore") if encoding else buffer.decode("latin-1")
        state = _prolog_state(text)
        if state is not None:
            return state
        more = stream.read(_PROLOG_CHUNK)
        if not more or len(buffer) > _PROLOG_MAX:
            return "<!doctype" in text.lower()
        buffer += more


def _prolog_state(text: str) -> bool | None:
    """True: a DOCTYPE comes first; False: the root element comes first; None: read more."""
    position = 0
    text = text.lstrip("\ufeff")
    while True:
        start = text.find("<", position)
        if start < 0 or start + 1 >= len(text):
            return None
        if text.startswith("<?", start):
            end = text.find("?>", start)
        elif text.startswith("<!--", start):
            end = text.find("-->", start)
        elif text[start:start + 9].upper() == "<!DOCTYPE":
            return True
        elif text.startswith("<!", start):
            return True  # <!ENTITY or <!ELEMENT outside a DOCTYPE: not well-formed, refuse it too
        else:
            return False
        if end < 0:
            return None
        position = end + 2


# ───────────────────────────── OLE2 (old Office) ─────────────────────────────
def _ole2_names(data: bytes) -> set[str]:
    names = set()
    for name in ("Workbook", "Book", "WordDocument", "PowerPoint Document", "EncryptedPackage"):
        if name.encode("utf-16-le") in data:
            names.add(name)
    return names


def _sniff_ole2(data: bytes) -> Sniffed:
    names = _ole2_names(data)
    if "EncryptedPackage" in names:
        return Sniffed("ole2", detail="encrypted", check="encrypted",
                       problem="a password-protected Office file (encrypted package): a password is required; "
                               "ask for an unprotected copy")
    if names & {"Workbook", "Book"}:
        return Sniffed("xls", detail="BIFF", check="unsupported_format",
                       problem="an old Excel 97-2003 workbook (.xls, BIFF in OLE2), not read: save it as .xlsx")
    if "WordDocument" in names:
        return Sniffed("doc", check="unsupported_format",
                       problem="an old Word document (.doc, OLE2), not a spreadsheet or PDF")
    return Sniffed("xls", detail="OLE2", check="unsupported_format",
                   problem="an old Microsoft Office file (OLE2 compound document, probably .xls), not read: save it "
                           "as .xlsx")


# ───────────────────────────── images ─────────────────────────────
def _image(data: bytes, name: str) -> Sniffed:
    size = _image_size(data, name)
    shown = f"{name}, {size[0]}×{size[1]} px" if size else name
    return Sniffed("image", detail=shown, check="not_a_document",
                   problem=f"an image ({shown}), not a document: ask for the report as PDF or XLSX")


def _image_size(data: bytes, name: str) -> tuple[int, int] | None:
    try:
        if name == "PNG" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if name == "GIF":
            return struct.unpack("<HH", data[6:10])
        if name == "BMP":
            width, height = struct.unpack("<ii", data[18:26])
            return width, abs(height)
        if name == "JPEG":
            index = 2
            while index + 9 < len(data) and data[index] == 0xFF:
                marker, length = data[index + 1], struct.unpack(">H", data[index + 2:index + 4])[0]
                if marker in (0xC0, 0xC1, 0xC2):
                    height, width = struct.unpack(">HH", data[index + 5:index + 9])
                    return width, height
                index += 2 + length
    except struct.error:
        return None
    return None


# ───────────────────────────── text ─────────────────────────────
def _sniff_text(data: bytes) -> Sniffed:
    head = data[:4096]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _utf16(data)
    if b"\x00" in head and _looks_utf16_without_bom(head):
        return Sniffed("text", encoding="utf-16", check="encoding",
                       problem="wrong text encoding: UTF-16 without a byte-order mark (every other byte is NUL); "
                               "save it as UTF-8")
    if _mostly_control(head):
        return Sniffed("binary", check="unknown_format",
                       problem=f"unknown binary content (first bytes {data[:8].hex(' ')}): not a PDF, XLSX, CSV or "
                               "JSON file")
    nul = data.count(b"\x00")
    if nul:
        offsets = [m.start() for m in re.finditer(b"\x00", data[:1 << 20])][:3]
        return Sniffed("binary", check="nul_bytes",
                       problem=f"{nul:,} NUL byte(s) in what should be text (first at byte offset(s) "
                               f"{', '.join(map(str, offsets))}): a binary or damaged file")
    text, encoding, problem = _decode(data)
    if problem:
        return Sniffed("text", check="encoding", problem=problem)
    return _classify_text(data, text, encoding)


def _utf16(data: bytes) -> Sniffed:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as exc:
        return Sniffed("text", check="encoding",
                       problem=f"wrong text encoding: a UTF-16 byte-order mark, but the text is not UTF-16 "
                               f"(undecodable at byte {exc.start})")
    if not any(sep in text[:4096] for sep in ("\n", ",", "\t", "{", "<")):
        return Sniffed("text", check="encoding",
                       problem="wrong text encoding: a UTF-16 byte-order mark, but the text does not read as "
                               "UTF-16 (no line breaks or separators); the mark does not match the bytes")
    return _classify_text(data, text, "utf-16")


def _looks_utf16_without_bom(head: bytes) -> bool:
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even))


def _mostly_control(head: bytes) -> bool:
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > max(2, len(head) // 100)


def _decode(data: bytes) -> tuple[str, str | None, str | None]:
    """(text, encoding, problem): UTF-8 (BOM optional), else GB18030; a UTF-8 BOM must mean UTF-8."""
    if data.startswith(_UTF8_BOM):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", None
        except UnicodeDecodeError as exc:
            rest = "GB18030" if _decodes(data[3:], "gb18030") else "no encoding we know"
            return "", None, (f"wrong text encoding: a UTF-8 byte-order mark, but the text is not UTF-8 (byte "
                              f"0x{data[3 + exc.start]:02x} at offset {3 + exc.start}; after the mark it reads as "
                              f"{rest}): re-save the file as UTF-8")
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030"), "gb18030", None
    except UnicodeDecodeError:
        pass
    return "", None, (f"wrong text encoding: not {', '.join(TEXT_ENCODINGS_TRIED)} (tried each; byte "
                      f"0x{data[first_bad]:02x} at offset {first_bad} is not UTF-8); re-save the file as UTF-8")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _classify_text(data: bytes, text: str, encoding: str | None) -> Sniffed:
    start = text.lstrip("\ufeff \t\r\n")[:512]
    lowered = start.lower().encode("utf-8", errors="ignore")
    if looks_like_html(lowered):
        title = html_title(data)
        shown = f"an HTML page titled {title!r}" if title else "an HTML page without a title"
        return Sniffed("html", detail=title or "", encoding=encoding, check="error_page",
                       problem=f"{shown}, not a document: the site served a web page (an error or access-block page) "
                               "instead of the file")
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<"):
        dtd = xml_prolog_has_dtd(data)
        if dtd:
            return Sniffed("xml", encoding=encoding, check="xml_dtd",
                           problem="an XML document with a DTD (<!DOCTYPE>/<!ENTITY>): refused, entities are never "
                                   "expanded")
        return Sniffed("xml", encoding=encoding, check="unsupported_format",
                       problem="an XML document, not a family we read (PDF, XLSX, CSV or JSON)")
    if start[:1] in ("{", "["):
        return Sniffed("json", encoding=encoding)
    return Sniffed("text", encoding=encoding)


def looks_like_html(head: bytes) -> bool:
    """True if the start of a body is HTML markup (doctype, html, head, body, title, meta, script)."""
    lowered = head[:512].lstrip(_UTF8_BOM + b" \t\r\n").lower()
    return lowered.startswith(_HTML_STARTS) or (lowered.startswith(b"<?xml") and b"<html" in lowered)


def html_title(data: bytes) -> str | None:
    """The ``<title>`` of an HTML page, in its declared charset (UTF-8 or GB18030 otherwise)."""
    found = _TITLE.search(data[:65536])
    if not found:
        return None
    raw = found.group(1)
    declared = _CHARSET.search(data[:4096])
    encodings = [declared.group(1).decode("ascii")] if declared else []
    for encoding in (*encodings, "utf-8", "gb18030"):
        try:
            return " ".join(raw.decode(encoding).split())[:120] or None
        except (UnicodeDecodeError, LookupError):
            continue
    return " ".join(raw.decode("utf-8", errors="replace").split())[:120] or None


# ───────────────────────────── JSON ─────────────────────────────
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(data: bytes, stop_at: int | None = None) -> int:
    """Deepest nesting of arrays/objects, counted over the bytes with strings blanked out
    (no recursion, so 200,000 levels cost a few milliseconds instead of a RecursionError).
    Stops counting once ``stop_at`` is passed."""
    brackets = _JSON_STRING.sub(b'""', data).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_at is not None and deepest > stop_at:
                    return deepest
        else:
            depth -= 1
    return deepest


# ───────────────────────────── PDF ─────────────────────────────
_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_FILTERS = {
    b"FlateDecode": "flate", b"Fl": "flate", b"ASCIIHexDecode": "hex", b"AHx": "hex",
    b"ASCII85Decode": "a85", b"A85": "a85",
}
_DANGEROUS_NAMES = {b"JavaScript": "JavaScript", b"JS": "JavaScript", b"Launch": "a Launch action"}
_TEXT_SHOWING = re.compile(rb"T[jJ]|['\"]")
_CHUNK = 1 << 20
_DEFLATE_MAX_RATIO = 1032  # a 258-byte match in two bits: deflate's most output per input byte


@dataclass
class PdfFacts:
    """What the bytes of a PDF say before anything renders it.

    ``content_bytes`` counts inflated bytes of the streams that can hold text (page content,
    forms, object streams) and of any stream with more than one Flate layer; fonts and profiles
    are only measured against the budget. ``over_budget`` means every stream that is not an
    image together inflates past the budget (a decompression bomb or a monster). ``has_text``
    is None when the streams could not all be read (encrypted, unknown filters): the screening
    then asks pdfium.
    """

    truncated: str | None = None
    encrypted: bool = False
    dangerous: list[str] = field(default_factory=list)
    content_bytes: int = 0
    over_budget: bool = False
    has_text: bool | None = False
    undecodable: int = 0


def pdf_facts(data: bytes, inflate_budget: int) -> PdfFacts:
    """Trailer, encryption, scripts and stream sizes of a PDF, inflating at most
    ``inflate_budget`` bytes in total (1 MB at a time, nothing kept)."""
    facts = PdfFacts()
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        facts.truncated = "no %%EOF trailer at the end"
    elif b"startxref" not in data[-4096:]:
        facts.truncated = "no startxref (broken cross-reference)"
    dictionaries: list[bytes] = []
    others: list[tuple[int, int, list[str]]] = []
    position = 0
    remaining = inflate_budget
    while True:
        match = _STREAM.search(data, position)
        if match is None:
            dictionaries.append(data[position:])
            break
        obj_start = _last_obj(data, position, match.start())
        header = data[obj_start:match.end()]
        dictionaries.append(data[position:match.start() + 2])
        body_start = match.end()
        body_end = _stream_end(data, header, body_start)
        position = body_end
        if b"/Encrypt" in header:
            continue
        if re.search(rb"/Subtype\s*/Image", header):
            continue  # image data is never inflated to read text
        filters = _filter_chain(header)
        if filters is None:
            facts.undecodable += 1
            continue
        is_objstm = re.search(rb"/Type\s*/ObjStm", header) is not None
        content_like = _content_like(header)
        if not (content_like or is_objstm) and filters.count("flate") <= 1:
            others.append((body_start, body_end, filters))  # a font or profile: only its size counts
            continue
        kept = bytearray() if is_objstm else None
        try:
            for chunk in _decode_stream(data[body_start:body_end], filters, remaining + 1):
                remaining -= len(chunk)
                facts.content_bytes += len(chunk)
                if content_like and not facts.has_text and b"BT" in chunk and _TEXT_SHOWING.search(chunk):
                    facts.has_text = True
                if kept is not None and len(kept) < 16 * _CHUNK:
                    kept += chunk
                if remaining < 0:
                    facts.over_budget = True
                    break
        except (zlib.error, ValueError, binascii.Error):
            facts.undecodable += 1
        if kept:
            dictionaries.append(bytes(kept))
        if facts.over_budget:
            break
    if not facts.over_budget:
        facts.over_budget = _over_budget(data, others, remaining)
    for text in dictionaries:
        names = {_unescape_name(n) for n in _NAME.findall(text)}
        if b"Encrypt" in names and b"trailer" in text or re.search(rb"/Encrypt\s+\d+\s+\d+\s+R", text):
            facts.encrypted = True
        for name, what in _DANGEROUS_NAMES.items():
            if name in names and what not in facts.dangerous:
                facts.dangerous.append(what)
    if facts.encrypted or (facts.undecodable and not facts.has_text):
        facts.has_text = None if not facts.has_text else True
    return facts


def _over_budget(data: bytes, streams: list[tuple[int, int, list[str]]], remaining: int) -> bool:
    """Do these streams (fonts, colour profiles: no text) inflate to more than ``remaining``?

    Inflated only when their worst case could: deflate expands a byte to at most 1,032 and the
    ASCII filters only shrink, so a chain with one Flate layer is bounded by its length. Fonts
    are most of a report's compressed bytes, and this spares inflating them."""
    if sum((end - start) * (_DEFLATE_MAX_RATIO if "flate" in filters else 1)
           for start, end, filters in streams) <= remaining:
        return False
    for start, end, filters in streams:
        try:
            for chunk in _decode_stream(data[start:end], filters, remaining + 1):
                remaining -= len(chunk)
                if remaining < 0:
                    return True
        except (zlib.error, ValueError, binascii.Error):
            continue  # as unreadable as pdfium will find it: nothing inflates
    return False


def _last_obj(data: bytes, floor: int, before: int) -> int:
    """Where the object whose stream starts at ``before`` begins (``N G obj``), read backwards."""
    window_start = max(floor, before - 8192)
    end = before
    while (at := data.rfind(b"obj", window_start, end)) >= 0:
        found = None
        for found in _OBJ.finditer(data, max(window_start, at - 64), at + 4):
            pass
        if found is not None and found.end() >= at + 3:
            return found.start()
        end = at
    return window_start


def _stream_end(data: bytes, header: bytes, start: int) -> int:
    declared = _LENGTH.search(header)
    if declared:
        end = start + int(declared.group(1))
        if data[end:end + 20].lstrip().startswith(b"endstream"):
            return end
    found = data.find(b"endstream", start)
    return len(data) if found < 0 else found


def _filter_chain(header: bytes) -> list[str] | None:
    """Decoding steps in order; None when a filter we cannot undo is in the chain."""
    found = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^\s/<>\[\]]+)", header)
    if not found:
        return []
    steps = []
    for name in _NAME.findall(found.group(1)):
        step = _FILTERS.get(_unescape_name(name))
        if step is None:
            return None
        steps.append(step)
    return steps


def _content_like(header: bytes) -> bool:
    """A stream that may hold page content (not a font program, ICC profile, metadata …)."""
    if re.search(rb"/Length[123]\b|/N\s+\d|/Type\s*/(?!XObject)|/FunctionType|/ShadingType", header):
        return False
    subtype = re.search(rb"/Subtype\s*/([A-Za-z0-9]+)", header)
    return subtype is None or subtype.group(1) == b"Form"


def _decode_stream(body: bytes, steps: list[str], limit: int) -> Iterator[bytes]:
    """Undo ASCII filters in one go (they only shrink), inflate Flate layers in 1 MB chunks."""
    data: Iterator[bytes] = iter([body])
    for step in steps:
        if step == "flate":
            data = _inflate(data, limit)
            continue
        raw = re.sub(rb"\s+", b"", b"".join(data))
        if step == "hex":
            raw = raw.split(b">")[0]
            data = iter([binascii.unhexlify(raw + b"0" * (len(raw) % 2))])
        else:
            raw = raw[2:] if raw.startswith(b"<~") else raw
            data = iter([a85decode(raw.split(b"~>")[0])])
    yield from data


_A85_WEIGHTS = (85 ** 4, 85 ** 3, 85 ** 2, 85, 1)


def a85decode(raw: bytes) -> bytes:
    """ASCII85 exactly as ``base64.a85decode`` reads it, in numpy: the
    pure-Python decoder was a third of the time spent on a typical exchange report."""
    import numpy as np

    raw = raw.translate(None, b" \t\n\r\v")
    if b"z" in raw or not raw:  # 'z' (four zero bytes) is rare: the stdlib knows its rules
        return base64.a85decode(raw)
    digits = np.frombuffer(raw, dtype=np.uint8)
    if int(digits.min()) < 33 or int(digits.max()) > 117:
        raise ValueError("Non-Ascii85 digit found")
    short = -len(digits) % 5
    groups = np.concatenate([digits, np.full(short, 117, np.uint8)]).reshape(-1, 5).astype(np.uint64) - 33
    values = groups @ np.array(_A85_WEIGHTS, dtype=np.uint64)
    if bool((values > 0xFFFFFFFF).any()):
        raise ValueError("Ascii85 overflow")
    out = values.astype(">u4").tobytes()
    return out[:len(out) - short] if short else out


def _inflate(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    produced = 0
    for chunk in chunks:
        pending = chunk
        while pending and produced <= limit:
            out = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            produced += len(out)
            if out:
                yield out
            if inflater.eof:
                return
        if produced > limit:
            return


def _unescape_name(name: bytes) -> bytes:
    """PDF names may hide letters as ``#xx`` (``/J#61vaScript`` is ``/JavaScript``)."""
    if b"#" not in name:
        return name
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)


def _pdf_version(data: bytes) -> str:
    found = re.search(rb"%PDF-(\d\.\d)", data[:1024])
    return found.group(1).decode() if found else ""
