"""Plain text (as extracted from PDFs) -> RawDocument.

Decoding, in order:
  1. a UTF-32 or UTF-16 byte-order mark decides the encoding (undecodable units become U+FFFD,
     recorded as an issue);
  2. UTF-16 without a mark is recognised by its zero bytes: in text mostly made of ASCII, every
     other byte is zero, on the same side of each pair (and the result must read as text);
  3. UTF-8 (with or without a mark);
  4. otherwise Windows-1252 (a superset of Latin-1 in its printable range), recorded as an issue.
RTF is refused first (it is markup, not the document's text). After decoding, binary content
is refused: more than 1% of control characters (NUL included, but not tab, LF, CR, FF) means
"not text". A few stray control characters are replaced by spaces, one for one, so offsets
stay put, and recorded as an issue.
Line ends are normalised to LF (the normalised text is what spans index); a form feed starts a
new page.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import accumulate, compress

from extractor import errors
from extractor.document import Line, Page, RawDocument
from extractor.models.contract import Issue

# More than this share of control characters (other than tab, LF, CR, FF) means "not text".
_MAX_CONTROL_SHARE = 0.01
_CONTROLS = {c for c in range(32) if c not in (9, 10, 12, 13)} | {127}
_CONTROL_TO_SPACE = {c: " " for c in _CONTROLS}
# the same set as one character class: counting and finding them is one scan in C
_CONTROL = re.compile("[" + "".join(f"\\x{c:02x}" for c in sorted(_CONTROLS)) + "]")
# the same set as bytes: deleting them from the UTF-8 form in C tells whether there is any
# at all ~3x faster than a regex scan, and most texts then need no scan (UTF-8 writes each
# character below 128 as that one byte, and no byte below 128 for any other character)
_CONTROL_BYTES = bytes(sorted(_CONTROLS))
_FEED = re.compile("\f")
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# UTF-16 sniffing: share of zero bytes on one side of the pairs, and at most on the other
_UTF16_ZERO_SIDE = 0.7
_UTF16_OTHER_SIDE = 0.05
# ... and the decoded sample must then read as text: this share printable or white space
_UTF16_PRINTABLE = 0.95
# formats that are text on the surface but not documents we can read as such
_TEXT_FORMATS = ((b"{\\rtf", "RTF"),)


def _sniff_utf16(data: bytes) -> str | None:
    """Rule 2: 'utf-16-le' / 'utf-16-be' when zero bytes sit on one side of the byte pairs."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    even = sample[0 : 2 * pairs : 2].count(0) / pairs
    odd = sample[1 : 2 * pairs : 2].count(0) / pairs
    if odd >= _UTF16_ZERO_SIDE and even <= _UTF16_OTHER_SIDE:
        enc = "utf-16-le"
    elif even >= _UTF16_ZERO_SIDE and odd <= _UTF16_OTHER_SIDE:
        enc = "utf-16-be"
    else:
        return None
    text = sample[: 2 * pairs].decode(enc, errors="replace")
    readable = sum(1 for ch in text if ch.isprintable() or ch.isspace())
    return enc if readable >= _UTF16_PRINTABLE * len(text) else None


def _decode_unicode(data: bytes, enc: str, skip: int, issues: list[Issue]) -> str:
    try:
        return data[skip:].decode(enc)
    except UnicodeDecodeError as exc:
        issues.append(
            Issue(code="I_DECODING_ERRORS",
                  message=f"not valid {enc.upper()} (byte {exc.start + skip}): "
                  "undecodable units replaced by U+FFFD")
        )
        return data[skip:].decode(enc, errors="replace")


def decode(data: bytes) -> tuple[str, str, list[Issue]]:
    """Bytes -> (text, encoding used, issues); raises E_UNSUPPORTED for binary content."""
    issues: list[Issue] = []
    text: str | None = None
    enc = ""
    for magic, name in _TEXT_FORMATS:
        if data[:64].lstrip()[: len(magic)] == magic:
            raise errors.ExtractorError(
                errors.E_UNSUPPORTED, f"{name} markup, not plain text: save it as PDF or text"
            )
    for bom, name in _BOMS:  # rule 1
        if data.startswith(bom):
            text, enc = _decode_unicode(data, name, len(bom), issues), name.rsplit("-", 1)[0]
            break
    if text is None and (guess := _sniff_utf16(data)):  # rule 2
        text, enc = _decode_unicode(data, guess, 0, issues), "utf-16"
    if text is None:
        try:  # rule 3
            text, enc = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:  # rule 4
            text, enc = data.decode("cp1252", errors="replace"), "cp1252"
            issues.append(
                Issue(
                    code="I_DECODING_FALLBACK",
                    message=f"not valid UTF-8 (byte {exc.start}); decoded as Windows-1252",
                )
            )
        # both keep every byte below 128 as that character and make no other one from the rest
        return _refuse_binary(text, issues, data), enc, issues
    return _refuse_binary(text, issues), enc, issues


def _refuse_binary(text: str, issues: list[Issue], same_bytes: bytes | None = None) -> str:
    """Binary content raises; a few stray control characters become spaces (same length).
    `same_bytes`: bytes holding exactly the text's control characters (its UTF-8 or
    Windows-1252 source), which spare encoding the text to find whether there are any."""
    probe = same_bytes if same_bytes is not None else text.encode("utf-8", "surrogatepass")
    if len(probe.translate(None, _CONTROL_BYTES)) == len(probe):
        return text  # no control character: nothing to count or replace
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    if controls / len(sample) > _MAX_CONTROL_SHARE:
        raise errors.ExtractorError(
            errors.E_UNSUPPORTED,
            f"binary content ({controls} control characters in the first {len(sample)}): "
            "neither a PDF nor text",
        )
    if _CONTROL.search(text) is None:
        return text
    cleaned = text.translate(_CONTROL_TO_SPACE)
    if cleaned != text:
        count = len(_CONTROL.findall(text))  # each became a space: the characters that differ
        issues.append(
            Issue(code="I_CONTROL_CHARS",
                  message=f"{count} control characters (NUL, ESC, ...) replaced by spaces")
        )
    return cleaned


def split_lines(text: str) -> tuple[list[Page], list[Line]]:
    """Pages (split at form feeds) and their non-blank lines, with stripped offsets.

    The text is cut into rows at line feeds and every row stripped in C (`map`); only the
    rows with text are visited in Python (a document is about half blank rows). A row holding
    a form feed is cut there into stretches, each a line of its own page. The blank lines
    before a line (`gap_before`) are the blank rows since the previous row with text, plus one
    when that row ended in a blank stretch after a form feed (the blank start of a new page).
    """
    feeds = [m.start() for m in _FEED.finditer(text)] if "\f" in text else []
    pages: list[Page] = []
    start = 0
    for number, ff in enumerate(feeds, 1):
        pages.append(Page(number, start, ff))
        start = ff + 1
    pages.append(Page(len(feeds) + 1, start, len(text)))
    rows = text.split("\n")
    ends = list(accumulate(map(len, rows)))  # row q ends at ends[q] + q (one LF per row)
    bodies = list(map(str.strip, rows))  # white space as `str.isspace` has it
    lines: list[Line] = []
    prev = -1  # the previous row with text
    tail = False  # ... which ended in a blank stretch after a form feed
    for q in compress(range(len(rows)), bodies):
        row = rows[q]
        at = ends[q] + q - len(row)
        gap = q - prev - 1 + tail
        prev, tail = q, False
        if feeds and "\f" in row:
            for seg in row.split("\f"):
                body = seg.strip()
                if body:
                    s = at + len(seg) - len(seg.lstrip())
                    lines.append(
                        Line(s, s + len(body), body, bisect_left(feeds, s) + 1, len(lines), gap)
                    )
                    gap = 0
                at += len(seg) + 1
            tail = not body
            continue
        body = bodies[q]
        s = at + len(row) - len(row.lstrip())
        page = bisect_left(feeds, s) + 1 if feeds else 1
        lines.append(Line(s, s + len(body), body, page, len(lines), gap))
    return pages, lines


def read_text(data: bytes, sha256: str, path: str | None = None) -> RawDocument:
    text, enc, issues = decode(data)
    if "\r" in text:  # a membership test is ~50x cheaper than two replacements finding none
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise errors.ExtractorError(errors.E_EMPTY, "the document has no text")
    pages, lines = split_lines(text)
    return RawDocument(text, "text", pages, lines, sha256, path, enc, issues)
