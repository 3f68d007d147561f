"""PDF -> RawDocument with pdfplumber, page by page, keeping each line's position and font.

Positions let the cleaner find page furniture (running headers, footers, print stamps) by where
it sits and how it repeats. Each page is parsed once (pdfminer's layout pass is nearly all the
cost) and its cache is flushed before the next, so memory stays flat on long documents.

Guards, in the order a file meets them (each failure has its own code, docs/errors.md):
  1. decompression bombs and reference loops, before pdfminer sees the file: every Flate
     stream that text extraction would inflate (images are never inflated for text) is
     inflated in bounded chunks and counted; one stream over `MAX_STREAM_MB` or all of them
     over `MAX_TOTAL_MB` is refused (E_TOO_LARGE). Encrypted streams cannot be counted from
     the raw bytes, so each page's content streams are counted again, deciphered, just before
     the page is parsed. An object that is nothing but a reference to itself (directly or
     round a cycle) would send the parser round forever: refused as E_PDF_CORRUPT;
  2. opening: a PDF that needs a user password (E_PDF_PASSWORD), one encrypted by a security
     handler pdfminer does not support (E_PDF_ENCRYPTED), one that cannot be parsed
     (E_PDF_CORRUPT). Owner-password PDFs (copying disallowed, as every real IMR letter is)
     open with the empty user password and are read like any other;
  3. the page count: none (E_EMPTY), over the page limit (E_TOO_LARGE), before any page is
     parsed (the count the page tree declares is checked even before the page objects are
     built: 20,000 pages take 15 s to build, their declared count under one);
  4. the text layer: none on any page means a scan (E_PDF_NO_TEXT: OCR it first; we do not
     guess); some pages without text are listed in an issue (I_PAGES_WITHOUT_TEXT); glyphs
     without a Unicode mapping come out as `(cid:N)`: an issue when some are, E_PDF_NO_TEXT
     when they are most of the text.
Active content (JavaScript, attachments, forms) is never run or read: only page text is.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import zlib
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import PDFStream, resolve1

from extractor import errors
from extractor.document import Line, Page, RawDocument
from extractor.models.contract import Issue

# pdfminer logs a warning for every odd font descriptor; they say nothing to our users.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

LINE_SEP = "\n"
PAGE_SEP = "\f"

_MB = 1 << 20
MAX_STREAM_MB = 64  # a text page's content stream is tens of KB; a font a few MB
MAX_TOTAL_MB = 512
_CHUNK = 1 << 20
# `stream` keyword followed by its end of line; `endstream` is excluded by the look-behind
_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
_FLATE = re.compile(rb"/(?:FlateDecode|Fl)(?![A-Za-z])")
_IMAGE = re.compile(rb"/Subtype\s*/Image(?![A-Za-z])")
_CID = re.compile(r"\(cid:\d+\)")
# an indirect object whose whole body is one reference: "12 0 obj 13 0 R endobj"
_REF_ONLY = re.compile(rb"(?<![0-9])(\d{1,10})\s+\d{1,5}\s+obj\s*(\d{1,10})\s+\d{1,5}\s+R\s*endobj")
# more than this share of a document's visible characters in (cid:N) tokens: no usable text
_MAX_CID_SHARE = 0.5


def _inflated_size(data: memoryview, limit: int) -> int:
    """Bytes a zlib stream inflates to, counted in bounded chunks and given up past `limit`
    (so a bomb costs `limit` bytes of work, never its full size in memory). Input is fed in
    slices of the caller's buffer, never copied whole: garbage fails on its first bytes."""
    inflater = zlib.decompressobj()
    total = 0
    pos, step = 0, 1024  # a small first slice: most garbage fails on its first bytes
    try:
        while pos < len(data) and total <= limit:
            total += len(inflater.decompress(data[pos : pos + step], _CHUNK))
            while inflater.unconsumed_tail and total <= limit:  # output was capped: drain
                total += len(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
            if inflater.eof:
                break
            pos, step = pos + step, _CHUNK
    except zlib.error:
        pass  # encrypted or damaged: pdfminer decides what it makes of it
    return total


def _bomb(limit_mb: int, where: str) -> errors.ExtractorError:
    return errors.ExtractorError(
        errors.E_TOO_LARGE,
        f"{where} inflates to more than {limit_mb} MB (a decompression bomb, or not a document)",
    )


def check_inflation(data: bytes) -> None:
    """Guard 1, on the raw bytes: every Flate stream that is not an image, bounded. Linear in
    the file: each stream's dictionary is searched in place (no copies), and the search for
    `endstream` never rescans text already known to hold none."""
    view = memoryview(data)
    total = 0
    next_end = -2  # position of the next `endstream` after the current stream; -1: none left
    for m in _STREAM.finditer(data):
        lo = max(0, m.start() - 2048)
        obj = data.rfind(b"obj", lo, m.start())
        lo = obj if obj >= 0 else lo
        if not _FLATE.search(data, lo, m.start()) or _IMAGE.search(data, lo, m.start()):
            continue
        if next_end != -1 and next_end < m.end():
            next_end = data.find(b"endstream", m.end())
        end = next_end if next_end >= 0 else len(data)
        size = _inflated_size(view[m.end() : end], MAX_STREAM_MB * _MB)
        if size > MAX_STREAM_MB * _MB:
            raise _bomb(MAX_STREAM_MB, f"a stream at byte {m.start()}")
        total += size
        if total > MAX_TOTAL_MB * _MB:
            raise _bomb(MAX_TOTAL_MB, "the file's streams together")


def check_reference_loops(data: bytes) -> None:
    """Guard 1b: an object that is only a reference to itself, directly or through others
    ("4 0 obj 4 0 R endobj"), sends pdfminer's resolver round forever: refuse it first."""
    refs = {int(m[1]): int(m[2]) for m in _REF_ONLY.finditer(data)}
    safe: set[int] = set()
    for start in refs:
        path: list[int] = []
        n = start
        while n in refs and n not in safe:
            if n in path:
                raise errors.ExtractorError(
                    errors.E_PDF_CORRUPT,
                    f"object {n} refers to itself (a reference loop the parser cannot leave)",
                )
            path.append(n)
            n = refs[n]
        safe.update(path)


def _check_page_streams(page_obj: Any) -> None:
    """Guard 1, per page of an encrypted file: the page's content streams, deciphered."""
    try:
        contents = [resolve1(c) for c in page_obj.contents]
    except Exception:
        return  # pdfminer will report the broken page itself
    for stream in contents:
        if (
            not isinstance(stream, PDFStream)
            or stream.rawdata is None
            or stream.decipher is None
            or stream.objid is None
            or stream.genno is None
        ):
            continue  # not an encrypted stream of an indirect object: nothing to decipher
        try:
            filters = [str(f) for f, _ in stream.get_filters()]
            if not any("Fl" in f for f in filters):
                continue
            data = stream.decipher(stream.objid, stream.genno, stream.rawdata, stream.attrs)
        except Exception:
            continue
        size = _inflated_size(memoryview(data), MAX_STREAM_MB * _MB)
        if size > MAX_STREAM_MB * _MB:
            raise _bomb(MAX_STREAM_MB, "a page content stream")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (pdfplumber wraps pdfminer's in args[0]) and its causes."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        e = todo.pop()
        if any(e is s for s in seen):
            continue
        seen.append(e)
        todo.extend(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))
        todo.extend(c for c in (e.__cause__, e.__context__) if c is not None)
    return seen


def _open(data: bytes) -> Any:
    """Guard 2."""
    try:
        return pdfplumber.open(io.BytesIO(data))
    except MemoryError:
        raise errors.ExtractorError(errors.E_TOO_LARGE, "out of memory opening the PDF") from None
    except Exception as exc:  # pdfminer raises many types; sort them by what they mean
        causes = _causes(exc)
        if any(isinstance(c, PDFPasswordIncorrect) for c in causes):
            raise errors.ExtractorError(
                errors.E_PDF_PASSWORD, "the PDF is protected by a user password"
            ) from None
        if any(isinstance(c, PDFEncryptionError) for c in causes):
            raise errors.ExtractorError(
                errors.E_PDF_ENCRYPTED,
                "the PDF is encrypted by a security handler that cannot be opened "
                "(certificate-based, or an unknown algorithm)",
            ) from None
        raise errors.ExtractorError(
            errors.E_PDF_CORRUPT, f"cannot parse the PDF ({_describe(causes[-1])})"
        ) from None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in runs)


def _line_font(chars: list[dict[str, Any]]) -> tuple[float | None, bool]:
    visible = [c for c in chars if not str(c.get("text", " ")).isspace()]
    if not visible:
        return None, False
    size = statistics.median(float(c.get("size") or 0.0) for c in visible)
    bold = sum(1 for c in visible if _emphasised(c))
    return round(size, 1), bold * 2 > len(visible)


_HEAVY = ("bold", "black", "heavy", "semibold", "demi")


def _emphasised(char: dict[str, Any]) -> bool:
    """Bold by font name, or set in colour (publishers that mark headings by colour alone)."""
    name = str(char.get("fontname", "")).lower()
    if any(w in name for w in _HEAVY):
        return True
    colour = char.get("non_stroking_color")
    if isinstance(colour, (tuple, list)) and len(colour) == 3:
        try:
            values = [float(v) for v in colour]
        except (TypeError, ValueError):
            return False
        return max(values) - min(values) > 0.25  # chromatic, not black or grey
    return False


def read_pdf(
    data: bytes, sha256: str, path: str | None = None, max_pages: int | None = None
) -> RawDocument:
    check_inflation(data)
    check_reference_loops(data)
    pdf = _open(data)
    try:
        declared = _declared_pages(pdf)
        if max_pages is not None and declared is not None and declared > max_pages:
            raise errors.ExtractorError(
                errors.E_TOO_LARGE,
                f"{declared} pages, over the limit of {max_pages} "
                "(use --max-pages or EXTRACTOR_MAX_PAGES to raise it)",
            )
        try:
            encrypted = getattr(pdf.doc, "decipher", None) is not None
            n_pages = len(pdf.pages)
        except MemoryError:
            raise errors.ExtractorError(
                errors.E_TOO_LARGE, "out of memory reading the page tree"
            ) from None
        except Exception as exc:
            raise errors.ExtractorError(
                errors.E_PDF_CORRUPT, f"cannot read the page tree ({_describe(exc)})"
            ) from None
        if n_pages == 0:
            raise errors.ExtractorError(errors.E_EMPTY, "the PDF has no pages")
        if max_pages is not None and n_pages > max_pages:
            raise errors.ExtractorError(
                errors.E_TOO_LARGE,
                f"{n_pages} pages, over the limit of {max_pages} "
                "(use --max-pages or EXTRACTOR_MAX_PAGES to raise it)",
            )
        parts: list[str] = []
        pages: list[Page] = []
        lines: list[Line] = []
        offset = 0
        for number, page in enumerate(pdf.pages, start=1):
            if number > 1:
                parts.append(PAGE_SEP)
                offset += len(PAGE_SEP)
            page_start = offset
            if encrypted:
                _check_page_streams(page.page_obj)
            text_lines = _page_lines(page, number)
            prev_bottom: float | None = None
            first = True
            for tl in text_lines:
                text = tl["text"].strip()
                if not text:
                    continue
                if not first:
                    parts.append(LINE_SEP)
                    offset += len(LINE_SEP)
                first = False
                size, bold = _line_font(tl.get("chars") or [])
                top, bottom = float(tl["top"]), float(tl["bottom"])
                height = max(bottom - top, 1.0)
                gap = 0
                if prev_bottom is not None and top - prev_bottom > 0.6 * height:
                    gap = max(1, round((top - prev_bottom) / height))
                prev_bottom = bottom
                lines.append(
                    Line(
                        offset, offset + len(text), text, number, len(lines), gap,
                        round(top, 1), round(bottom, 1), round(float(tl["x0"]), 1),
                        round(float(tl["x1"]), 1), size, bold,
                    )
                )
                parts.append(text)
                offset += len(text)
            pages.append(
                Page(number, page_start, offset, float(page.height), float(page.width))
            )
            page.close()  # drop the page's parsed objects: flat memory on long PDFs
    finally:
        _close(pdf)
    raw = RawDocument("".join(parts), "pdf", pages, lines, sha256, path, None, [])
    raw.issues = text_layer_issues(raw)
    return raw


def _close(pdf: Any) -> None:
    """pdfplumber's close() builds every page object first (to close each): skip it when the
    pages were never built, as when a huge document is refused from its declared count."""
    if hasattr(pdf, "_pages"):
        try:
            pdf.close()
        except Exception:
            pass  # nothing left to release that the garbage collector will not


def _declared_pages(pdf: Any) -> int | None:
    """The page count the page tree's root declares (/Count): read in a fraction of the time
    it takes to build every page object, so a huge document is refused before that."""
    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"])
        return count if isinstance(count, int) and count >= 0 else None
    except Exception:
        return None  # a broken tree: the full page count below reports it


def _page_lines(page: Any, number: int) -> list[dict[str, Any]]:
    try:
        return list(page.extract_text_lines(strip=True, return_chars=True))
    except MemoryError:
        raise errors.ExtractorError(
            errors.E_TOO_LARGE, f"out of memory parsing page {number}"
        ) from None
    except RecursionError:
        raise errors.ExtractorError(
            errors.E_PDF_CORRUPT, f"page {number} nests too deeply to parse"
        ) from None
    except Exception as exc:
        raise errors.ExtractorError(
            errors.E_PDF_CORRUPT, f"cannot parse page {number} ({_describe(exc)})"
        ) from None


def text_layer_issues(raw: RawDocument) -> list[Issue]:
    """Guard 4: no text, unmapped glyphs, pages without text. A function of the parsed
    document alone, so a cached parse gets the same verdict as a fresh one."""
    text, n_pages = raw.text, len(raw.pages)
    with_text = {line.page for line in raw.lines}
    blank = [p.number for p in raw.pages if p.number not in with_text]
    if len(blank) == n_pages:
        raise errors.ExtractorError(
            errors.E_PDF_NO_TEXT,
            f"no text layer on any of {n_pages} pages (scanned?): run OCR first",
        )
    visible = sum(1 for ch in text if not ch.isspace())
    cid = sum(len(m.group()) for m in _CID.finditer(text))
    if visible and cid / visible > _MAX_CID_SHARE:
        raise errors.ExtractorError(
            errors.E_PDF_NO_TEXT,
            f"{cid * 100 // visible}% of the text is glyph ids without a Unicode mapping "
            "(cid:N): the text layer is unreadable; run OCR first",
        )
    issues: list[Issue] = []
    if cid:
        issues.append(Issue(code="I_UNMAPPED_GLYPHS",
                            message=f"{len(_CID.findall(text))} glyphs without a Unicode "
                            "mapping appear as (cid:N)"))
    if blank:
        issues.append(Issue(code="I_PAGES_WITHOUT_TEXT",
                            message=f"no text layer on page(s) {_ranges(blank)} of {n_pages} "
                            "(scanned?): OCR them for complete output"))
    return issues
