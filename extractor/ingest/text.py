"""Plain text (as extracted from PDFs) -> RawDocument.

Decoding: UTF-8 (BOM or not), UTF-16 with a BOM; otherwise Windows-1252, recorded as an issue.
Line ends are normalised to LF (the normalised text is what spans index); a form feed starts a
new page. Binary input (NUL bytes or many control characters) is refused as unsupported.
"""

from __future__ import annotations

from extractor import errors
from extractor.document import Line, Page, RawDocument
from extractor.models.contract import Issue

# More than this share of control characters (other than tab, LF, CR, FF) means "not text".
_MAX_CONTROL_SHARE = 0.01
_CONTROLS = {c for c in range(32) if c not in (9, 10, 12, 13)} | {127}


def decode(data: bytes) -> tuple[str, str, list[Issue]]:
    """Bytes -> (text, encoding used, issues)."""
    issues: list[Issue] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", issues
        except UnicodeDecodeError:
            pass
    try:
        text, enc = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        text, enc = data.decode("cp1252", errors="replace"), "cp1252"
        issues.append(
            Issue(
                code="I_DECODING_FALLBACK",
                message=f"not valid UTF-8 (byte {exc.start}); decoded as Windows-1252",
            )
        )
    sample = text[:65536]
    if sample:
        controls = sum(1 for ch in sample if ord(ch) in _CONTROLS)
        if "\x00" in sample or controls / len(sample) > _MAX_CONTROL_SHARE:
            raise errors.ExtractorError(
                errors.E_UNSUPPORTED, "binary content: neither a PDF nor text"
            )
    return text, enc, issues


def split_lines(text: str) -> tuple[list[Page], list[Line]]:
    """Pages (split at form feeds) and their non-blank lines, with stripped offsets."""
    pages: list[Page] = []
    lines: list[Line] = []
    page, page_start, gap = 1, 0, 0
    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        seg_start = pos
        # A form feed inside the line closes the page at that point.
        while True:
            ff = text.find("\f", seg_start, end)
            seg_end = end if ff < 0 else ff
            s, e = seg_start, seg_end
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                lines.append(Line(s, e, text[s:e], page, len(lines), gap))
                gap = 0
            elif ff < 0:
                gap += 1
            if ff < 0:
                break
            pages.append(Page(page, page_start, ff))
            page, page_start, seg_start = page + 1, ff + 1, ff + 1
        if nl < 0:
            break
        pos = nl + 1
    pages.append(Page(page, page_start, n))
    return pages, lines


def read_text(data: bytes, sha256: str, path: str | None = None) -> RawDocument:
    text, enc, issues = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise errors.ExtractorError(errors.E_EMPTY, "the document has no text")
    pages, lines = split_lines(text)
    return RawDocument(text, "text", pages, lines, sha256, path, enc, issues)
