"""Guideline metadata: doc id, title, type, publisher, dates, status, page count.

Heuristics, in the order the code applies them (rules in rules/metadata.toml):
  1. The header region is read from `raw.lines`, not the kept lines, because running headers
     and title blocks are often removed as page furniture: every line of the first page (at
     most FIRST_PAGE_MAX: a text export is one long page) and of the front matter. Lines of the
     next pages (up to HEADER_PAGES, HEADER_MAX lines) count only as tables: a label opening
     its line with a short value (an LCD's "Document Information" on page 3).
  2. Labels ("Guideline #:", "Publish Date:", "Status:") are capitalised and found anywhere in
     a header line; a label's value runs to the next label on the same line, so two-column
     header tables ("Document #: LAB.00036 Publish Date: 10/01/2024") give both fields. A label
     that ends its line takes a label-free line set a few points above it (a value cell printed
     higher than its label), else the next line's text before its first label (the value column
     of a two-column layout lands one line down); a date label also accepts a date-only line two
     lines down (a table of contents interleaved with the header).
  3. Values are checked before use: dates must parse (month-only dates become YYYY-MM), ids must
     hold a digit, titles must hold letters and no page furniture ("copyright"). When several
     labels give one field, the label's rank decides, then the first occurrence.
  4. Document type: a header line that is a known type, alone, after a publisher's name, or
     followed by an id (the running header "Clinical UM Guideline CG-MED-28").
  5. Title: page 1's labelled title; page 1's largest type among title-like lines (not
     captions ending in a colon, types, labels, headings, numbered lines) when clearly larger
     than the body type; later pages' labels; the line under a running header; a browser print
     stamp without its site suffix. An abbreviation prefix ("LCD - ") names the type, an id in
     closing parentheses the id, and a type closing the title ("... Medical Policy") the type.
  6. Id fallbacks: the running header's id; an id leading the browser stamp; a header line that
     is only a family-form id (or ends with one in parentheses); the title's closing id.
  7. Status fallback: the CMS coverage database's version table ("Currently in Effect ... You
     are here").
  8. Last review date fallback: the latest history row that records a review.
  9. Publisher: the first known publisher named in the header region, else the one named most
     often in the document.
 10. Page count: PDF pages; for text, the largest N of "Page x of N" stamps, else 1.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import regex

from extractor.context import Context
from extractor.document import Line
from extractor.models.contract import GuidelineMetadata
from extractor.rules import load
from extractor.segment.sections import lexicon
from extractor.textutil import (
    FOLDS_TO_ASCII,
    UNSURE,
    alternation,
    ascii_folded,
    clean_space,
    limit,
    line_offsets,
    lines_with,
    literal_cover,
    literal_parts,
)

HEADER_MAX = 200  # lines: LCDs put their "Document Information" table on page 3
HEADER_PAGES = 3
FIRST_PAGE_MAX = 80  # lines of the first page read as header (all of a PDF's first page)
STRICT_VALUE = 60  # characters: a table cell, not a sentence
ROW_SLACK = 8.0  # points: cells of one table row set at slightly different heights
TITLE_ZONE = 400.0  # points from the page top: a title sits in the upper half of page 1
FIELDS = ("doc_id", "title", "publish_date", "effective_date", "last_review_date", "status")
DATE_FIELDS = ("publish_date", "effective_date", "last_review_date")

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")]
    )
    for m in names
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# Each alternative is linear: fixed-width digit groups and a closed month vocabulary.
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)"),
    re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])"),
    re.compile(_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)", re.I),
    re.compile(_MONTH + r"\s+(?P<d>\d{1,2})/(?P<y>\d{4})(?!\d)", re.I),
    re.compile(_MONTH + r",?\s+(?P<y>\d{4})(?!\d)", re.I),
    re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<y>\d{4})(?![\d/])"),
]
_ONLY_DATE = re.compile(r"^\s*[\d/\-.,]+\s*$|^\s*[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}\s*$")
_ID_TOKEN = re.compile(r"^[A-Za-z0-9][\w.\-\u2010\u2011/]*\d[\w.\-\u2010\u2011/]*$")
_MAX_ID = 40  # longer tokens are not ids (and _ID_TOKEN is quadratic in a token's length)
_WORD_TOKEN = re.compile(r"^[A-Za-z]{1,12}$")
_LETTER_RUN = re.compile(r"[A-Za-z]{3,}")
_NUMBERED = re.compile(r"^(?:[IVX]{1,5}|\d{1,2}|[A-Z])[.)]\s")
_A_LETTER = regex.compile(r"[A-Za-z]")
_THREE_LETTERS = regex.compile(r"[A-Za-z]{3}")
_A_DIGIT = regex.compile(r"\d")
_PAREN_ID = regex.compile(r"\s*\(([A-Z]{1,3}\d{4,6})\)\s*$")  # "... (L12345)" closing a title
# "Page 3 of 12" in any case (spelt out: an IGNORECASE scan of the whole text is slower); only
# tried where the folded text has "page"
_PAGE_OF = re.compile(r"\b[Pp][Aa][Gg][Ee]\s+\d+\s+[Oo][Ff]\s+(\d+)\b")
# a label's leading word, by which the label gate finds it (a quantified last letter is no part)
_LEADING_WORD = re.compile(r"\^?([A-Za-z]+)(?![?*{])")
# one step of a label's leading literals: a word, white space, a plain punctuation mark;
# followed by a quantifier
_LITERAL_STEP = re.compile(r"([A-Za-z]+|\\s|[ :#]|\\\.)([?*+]|\{[^}]*\})?")


# --- dates -----------------------------------------------------------------------------


def _iso(y: int, m: int, d: int | None) -> str | None:
    if not (1 <= m <= 12 and 1900 <= y <= 2100) or (d is not None and not 1 <= d <= 31):
        return None
    return f"{y:04d}-{m:02d}" + (f"-{d:02d}" if d is not None else "")


def parse_date(text: str) -> str | None:
    """The first date in `text` as ISO (YYYY-MM-DD, or YYYY-MM for a month-only date)."""
    best: tuple[int, str] | None = None
    for pat in _DATE_PATTERNS:
        m = pat.search(text)
        if not m:
            continue
        g = m.groupdict()
        y = int(g["y"])
        if y < 100:
            y += 2000 if y < 50 else 1900
        month = _MONTHS[g["mon"].lower().rstrip(".")] if g.get("mon") else int(g["m"])
        day = int(g["d"]) if g.get("d") else None
        iso = _iso(y, month, day)
        if iso and (best is None or m.start() < best[0]):
            best = (m.start(), iso)
    return best[1] if best else None


# --- rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Label:
    field: str
    rank: int
    pattern: regex.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Rules:
    labels: list[_Label]
    # Gates (speed only, never a result). Every label starts with a capitalised word of its
    # own (checked at load): one scan for those words followed by the rest of a label's
    # leading literals (`re`, case-sensitive first letter: a fraction of a regex module scan;
    # `line_gate`: the same at line starts) gives the places where each label may start, so
    # each label's pattern runs only there; lines holding a character that folds to ASCII
    # letters ("ß", "ﬁ") are read by the labels' alternation instead (`any_label`).
    any_label: regex.Pattern[str]
    label_gate: re.Pattern[str]
    line_gate: re.Pattern[str]
    # first letter -> (word, labels, a look at their leading literals: where it fails, none
    # of them matches; a "Medical Policy:" label needs no look at "Medically")
    label_words: dict[str, list[tuple[str, list[int], re.Pattern[str]]]]
    # a line that opens with neither a publisher nor a type is no type line (tried in turn); a
    # type line holds one of `type_words` (textutil's literal gates: words that every type
    # pattern requires one of; None: every line may be one)
    publisher_start: regex.Pattern[str]
    type_start: regex.Pattern[str]
    # a whole type line as one look with `re` (ASCII, any case: a publisher, a type, at most
    # two more words), tried first as most lines tried are prose: in a text without
    # FOLDS_TO_ASCII and with no white space but single spaces it matches wherever
    # `doc_type_of` finds a type (its "\b" is ASCII's, true wherever the regex module's is);
    # anchored, like `type_start`; None where `re` cannot read the rules
    type_look: re.Pattern[str] | None
    type_words: list[str] | None
    # a publisher is named only where one of its words stands (`literal_cover`: word -> the
    # publishers it may name; None: no gate)
    publisher_words: dict[str, list[int]] | None
    doc_types: list[tuple[str, regex.Pattern[str]]]
    ids: list[regex.Pattern[str]]
    stamp: regex.Pattern[str]
    strip_suffix: list[regex.Pattern[str]]
    strip_prefix: list[regex.Pattern[str]]
    mcd_line: regex.Pattern[str]
    mcd_words: list[frozenset[str]] | None  # the line's words: a text without one has none
    mcd_phrases: list[regex.Pattern[str]]
    publishers: list[tuple[str, regex.Pattern[str]]]
    title_reject: regex.Pattern[str]
    prefix_types: list[tuple[regex.Pattern[str], str]]  # "LCD - " -> its type


@cache
def rules() -> _Rules:
    data = load("metadata")
    flags = regex.I | regex.V1
    # a label starts a capitalised word and ends before a space ("subject:matter" in prose is
    # no label)
    label_head, label_tail = r"(?<![\w#])(?-i:(?=\p{Lu}))", r"(?=\s|$)"
    label_src = [p for spec in data["label"] for p in spec["patterns"]]
    labels = [
        _Label(spec["field"], int(spec.get("rank", 0)),
               regex.compile(label_head + "(?:" + p + ")" + label_tail, flags))
        for spec in data["label"] for p in spec["patterns"]
    ]
    words: dict[str, list[int]] = {}
    for i, src in enumerate(label_src):
        m = _LEADING_WORD.match(src)
        if not m:
            raise ValueError(f"metadata.toml: a label must start with a word: {src!r}")
        words.setdefault(m.group(1).lower(), []).append(i)
    label_words: dict[str, list[tuple[str, list[int], re.Pattern[str]]]] = {}
    for word, idxs in words.items():
        look = re.compile("(?i:" + "|".join(_leading_literals(label_src[i]) for i in idxs) + ")")
        label_words.setdefault(word[0].upper(), []).append((word, idxs, look))
    # a capital letter that no letter, digit, "_" or "#" precedes (ASCII: the labels' own
    # "(?<![\w#])" excludes more, never less), then the rest of a label's leading literals in
    # any case (looked at ahead: a label may start inside another's)
    rests: dict[str, list[str]] = {}
    for src in label_src:
        lead = _leading_literals(src)
        rests.setdefault(lead[0].upper(), []).append(lead[1:])
    label_gate = re.compile("|".join(
        f"{first}(?<![A-Za-z0-9_#]{first})(?i:(?={'|'.join(dict.fromkeys(rest))}))"
        for first, rest in sorted(rests.items())))
    pub_src = [p["pattern"] for p in data["publisher"]]
    type_src = [d["pattern"] for d in data["doc_type"]]
    type_cover = literal_cover(type_src)
    try:
        type_look: re.Pattern[str] | None = re.compile(
            "^(?:" + alternation(pub_src) + r"\s*)?" + alternation(type_src)
            + r"\s*(?:\S+(?:\s+\S+)?)?\s*$", re.I | re.A)
    except re.error:
        type_look = None
    return _Rules(
        labels=labels,
        any_label=regex.compile(label_head + alternation(label_src) + label_tail, flags),
        label_gate=label_gate,
        # the same words opening a line, in lines joined by newlines after a newline
        line_gate=re.compile("\n(?:" + "|".join(
            f"{first}(?i:(?={'|'.join(dict.fromkeys(rest))}))"
            for first, rest in sorted(rests.items())) + ")"),
        label_words=label_words,
        publisher_start=regex.compile("^" + alternation(pub_src), flags),
        type_start=regex.compile("^" + alternation(type_src), flags),
        type_look=type_look,
        type_words=None if type_cover is None else list(type_cover),
        publisher_words=literal_cover(pub_src),
        doc_types=[(d["name"], regex.compile(d["pattern"], flags)) for d in data["doc_type"]],
        ids=[regex.compile(p) for p in data["ids"]["patterns"]],
        stamp=regex.compile(data["stamp"]["pattern"], flags),
        strip_suffix=[regex.compile(p, flags) for p in data["stamp"]["strip_suffix"]],
        strip_prefix=[regex.compile(p, flags) for p in data["stamp"]["strip_prefix"]],
        mcd_line=regex.compile(data["mcd_status"]["line"], flags),
        mcd_words=literal_parts(data["mcd_status"]["line"]),
        mcd_phrases=[regex.compile(p, flags) for p in data["mcd_status"]["phrases"]],
        publishers=[(p["name"], regex.compile(p["pattern"], flags)) for p in data["publisher"]],
        title_reject=regex.compile("|".join(data["title"]["reject"]), flags),
        prefix_types=[(regex.compile(rf"{regex.escape(abbrev)}\s+[-\u2013:]\s+"), name)
                      for abbrev, name in data["title"]["prefix_types"].items()],
    )


def _leading_literals(src: str) -> str:
    """The stretch of a label's pattern that opens it with literal words, white space and
    punctuation ("Policy\\s+Number\\s*" of "Policy\\s+Number\\s*:?"), as a pattern of the `re`
    module that matches wherever the label matches (in a line without FOLDS_TO_ASCII: ASCII
    letters in any case, and `re`'s "\\s" takes every character the regex module's does)."""
    out = []
    src = src.removeprefix("^")  # a label that must open its line: the look does not care
    pos = 0
    while m := _LITERAL_STEP.match(src, pos):
        pos = m.end()
        step, quantified = m.group(1), m.group(2)
        if quantified and step.isalpha():
            out.append(step[:-1])  # "Issued?": the last letter is optional
            break
        if quantified and step != "\\s":
            break  # an optional character ends the literal stretch
        out.append(step + (quantified or ""))
        if quantified and quantified not in "+*":
            break
    return "".join(out)


# --- labelled values ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hit:
    field: str
    rank: int
    start: int  # label start within the line
    end: int  # label end
    value_end: int  # where the value stops (next label or line end)


def label_hits(text: str) -> list[_Hit]:
    """Non-overlapping labels on one line, earliest and then longest first."""
    return _hits_at(text, _label_starts([text]).get(0, {}))


def _label_starts(texts: list[str]) -> dict[int, dict[int, list[int]]]:
    """Line index -> label index -> the offsets where that label may start, in order (a
    superset of those where it does), for the lines where one may: where the label gate finds
    the label's word (one scan of the lines joined by newlines) and its leading literals
    follow."""
    r = rules()
    joined = "\n".join(texts)
    firsts = line_offsets(texts)
    out: dict[int, dict[int, list[int]]] = {}
    for m in r.label_gate.finditer(joined):
        at = m.start()
        k = bisect_right(firsts, at) - 1
        text, off = texts[k], at - firsts[k]
        for word, idxs, look in r.label_words[joined[at]]:
            if joined[at:at + len(word)].lower() == word and look.match(text, off):
                for i in idxs:
                    out.setdefault(k, {}).setdefault(i, []).append(off)
    if _unsure(joined):
        for k, t in enumerate(texts):
            if _unsure(t):
                # every start where some label matches (overlapped: one start per position)
                found = r.any_label.finditer(t, overlapped=True, timeout=limit(t, 0.1))
                starts = [m.start() for m in found]
                out[k] = dict.fromkeys(range(len(r.labels)), starts)
                if not starts:
                    del out[k]
    return dict(sorted(out.items()))


def _unsure(text: str) -> bool:
    """Does `text` hold a character of FOLDS_TO_ASCII?"""
    return not text.isascii() and any(c in text for c in FOLDS_TO_ASCII)


def _may_open(text: str, unsure: bool) -> bool:
    """Could a label start the line? (Its word's capital first, or a character of
    FOLDS_TO_ASCII anywhere, possible only if `unsure`: then the line is read in full.)"""
    group = rules().label_words.get(text[:1])
    if group and any(text[:len(word)].lower() == word and look.match(text)
                     for word, _, look in group):
        return True
    return unsure and _unsure(text)


def _hits_at(text: str, starts: dict[int, list[int]]) -> list[_Hit]:
    """`label_hits` with the offsets where each label may start (any superset of those where
    it does): no label can match anywhere else, so each label is tried only there; walking
    them in order and resuming after a label's match reproduces that label's own `finditer`."""
    if not starts:
        return []
    r = rules()
    found: list[tuple[int, int, _Label]] = []
    for i in sorted(starts):
        lab = r.labels[i]
        resume = 0
        for at in starts[i]:
            if at < resume:
                continue
            m = lab.pattern.match(text, at, timeout=limit(text, 0.1))
            if m and m.end() > m.start():
                found.append((m.start(), m.end(), lab))
                resume = m.end()
    found.sort(key=lambda t: (t[0], -(t[1] - t[0]), t[2].rank))
    kept: list[tuple[int, int, _Label]] = []
    for s, e, lab in found:
        if kept and s < kept[-1][1]:
            continue
        kept.append((s, e, lab))
    return [
        _Hit(lab.field, lab.rank, s, e, kept[i + 1][0] if i + 1 < len(kept) else len(text))
        for i, (s, e, lab) in enumerate(kept)
    ]


def _id_value(text: str) -> str | None:
    """An id from a label's value: one token with a digit, or a short word and such a token
    ("MP 2.312", "LABORATORY 021.15"); a trailing version note is dropped ("CG012, Ver. 3")."""
    tokens = text.replace(",", " ").split()
    if not tokens:
        return None
    first = tokens[0].rstrip(".;:")
    if len(first) <= _MAX_ID and _ID_TOKEN.match(first):
        return first
    if len(tokens) > 1 and _WORD_TOKEN.match(first):
        second = tokens[1].rstrip(".;:")
        if len(second) <= _MAX_ID and _ID_TOKEN.match(second):
            return f"{first} {second}"
    return None


def _value(field: str, text: str) -> str | None:
    text = clean_space(text).strip(" :;,|\u200b")
    if not text:
        return None
    if field in DATE_FIELDS:
        return parse_date(text)
    if field == "doc_id":
        return _id_value(text)
    if field == "status":
        return text if len(text.split()) <= 6 and _A_LETTER.search(text) else None
    if field == "title":
        ok = _THREE_LETTERS.search(text) and not rules().title_reject.search(text)
        return text if ok else None
    return None


def labelled(lines: list[Line], strict: bool = False) -> dict[str, tuple[int, int, str]]:
    """field -> (rank, line index, value) from the header lines. `strict` (pages after the
    first): only table-like lines count, a label opening its line with a short value."""
    texts = [line.text for line in lines]
    if strict:  # a label must open the line: only lines that one may open are read
        joined = "\n" + "\n".join(texts)
        unsure = _unsure(joined)
        starts: dict[int, dict[int, list[int]]] = {}
        if unsure:
            maybe: Iterable[int] = range(len(texts))
        else:  # the lines that open with a label's word, from one scan
            index = {first: k for k, first in enumerate(line_offsets(texts))}
            maybe = [index[m.start()] for m in rules().line_gate.finditer(joined)]
        for k in maybe:
            if _may_open(texts[k], unsure):
                s = _label_starts([texts[k]]).get(0)
                if s and any(at[0] == 0 for at in s.values()):
                    starts[k] = s
    else:
        starts = _label_starts(texts)
    # per line, its labels (the lines without any share one empty list)
    hits: list[list[_Hit]] = [[]] * len(lines)
    for k, s in starts.items():
        got = _hits_at(texts[k], s)
        if strict and not (got and got[0].start == 0
                           and len(texts[k]) - got[0].end <= STRICT_VALUE):
            continue
        hits[k] = got
    out: dict[str, tuple[int, int, str]] = {}

    def offer(field: str, rank: int, k: int, value: str | None) -> None:
        if value and field in FIELDS and (field not in out or rank < out[field][0]):
            out[field] = (rank, k, value)

    for k in starts:  # in line order
        line = lines[k]
        for h in hits[k]:
            raw_value = line.text[h.end:h.value_end]
            value = _value(h.field, raw_value)
            if value is None and not raw_value.strip() and h.value_end == len(line.text):
                value = _from_next_lines(h.field, lines, hits, k)
            elif h.field == "title" and value:
                value = _title_continuation(value, lines, hits, k, h)
            offer(h.field, h.rank, k, value)
    return out


def _from_next_lines(field: str, lines: list[Line], hits: list[list[_Hit]], k: int) -> str | None:
    """Value of a label that ends its line: the next line's text before its first label, or a
    label-free line just above set at nearly the same height (a two-column row whose value
    cell sits a few points higher than its label)."""
    if k > 0 and not hits[k - 1]:
        prev, cur = lines[k - 1], lines[k]
        if prev.top is not None and cur.top is not None and abs(cur.top - prev.top) <= ROW_SLACK:
            value = _value(field, prev.text)
            if value is not None:
                return value
    if k + 1 >= len(lines):
        return None
    nxt = lines[k + 1].text
    cut = hits[k + 1][0].start if hits[k + 1] else len(nxt)
    value = _value(field, nxt[:cut])
    if value is None and field in DATE_FIELDS and k + 2 < len(lines) and not hits[k + 2]:
        two = lines[k + 2].text
        if _ONLY_DATE.match(two):
            value = parse_date(two)
    return value


def _title_continuation(
    value: str, lines: list[Line], hits: list[list[_Hit]], k: int, h: _Hit
) -> str:
    """A title wrapped onto a line of its own, sandwiched before the next labelled line."""
    if h.value_end != len(lines[k].text) or k + 2 >= len(lines):
        return value
    nxt = lines[k + 1]
    sandwiched = not hits[k + 1] and hits[k + 2] and hits[k + 2][0].start == 0
    if sandwiched and parse_date(nxt.text) is None:
        return clean_space(f"{value} {nxt.text}")
    return value


# --- header region, types, ids, titles ------------------------------------------------------


def header_lines(ctx: Context) -> tuple[list[Line], list[Line]]:
    """(first page and front matter, the following lines of the first pages)."""
    lines = ctx.raw.lines
    if not lines:
        return [], []
    last = ctx.front[-1].index if ctx.front else 0
    # the last line on the first page, looked for from the end (a text export is one page: the
    # walk stops at once)
    page = lines[0].page
    first_page_end = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].page == page)
    # a text export is often one long "page": its header is its first lines
    n = min(max(last, min(first_page_end, FIRST_PAGE_MAX)) + 1, HEADER_MAX)
    n = max(n, min(40, len(lines)))
    more = [ln for ln in lines[n:HEADER_MAX] if ln.page < lines[0].page + HEADER_PAGES]
    return list(lines[:n]), more


def doc_type_of(text: str, unsure: bool = True) -> tuple[str, str] | None:
    """(type, rest) when a line is a document type, alone or followed by an id. `unsure`:
    may the text hold a character of FOLDS_TO_ASCII? (False where the caller knows it does
    not.)"""
    t = clean_space(text)
    r = rules()
    if r.type_look is not None and not r.type_look.match(t) and not (unsure and _unsure(t)):
        return None
    # "Blue Cross Blue Shield of Somewhere Medical Policy" (publishers tried only where one
    # opens the line, types only where one opens what is left)
    if r.publisher_start.match(t, timeout=limit(t, 0.05)):
        for _, pub in r.publishers:
            pm = pub.match(t, timeout=limit(t, 0.05))
            if pm and pm.end() < len(t):
                t = t[pm.end():].strip()
                break
    if not r.type_start.match(t, timeout=limit(t, 0.05)):
        return None
    for name, pat in r.doc_types:
        m = pat.match(t, timeout=limit(t, 0.05))
        if not m:
            continue
        rest = t[m.end():].strip()
        if not rest:
            return name, ""
        if _id_value(rest) and len(rest.split()) <= 2 and _A_DIGIT.search(rest):
            return name, rest
    return None


def _known_id(text: str) -> str | None:
    for pat in rules().ids:
        m = pat.search(text)
        if m:
            return m.group(0)
    return None


def _stamp_title(line: Line) -> tuple[str | None, str | None]:
    """(title, id) from a browser print stamp at the top of page 1."""
    m = rules().stamp.match(line.text, timeout=limit(line.text, 0.05))
    if not m:
        return None, None
    title = m.group("title").strip()
    for pat in rules().strip_prefix:
        title = pat.sub("", title, count=1)
    for pat in rules().strip_suffix:
        title = pat.sub("", title, count=1)
    doc_id = _known_id(title)
    if doc_id and title.startswith(doc_id):  # "CG-MED-62 Resting ..." (an id inside is no id)
        title = title[len(doc_id):].strip(" -:")
    else:
        doc_id = None
    paren = _PAREN_ID.search(title) if title.endswith(")") else None
    if paren:
        doc_id = doc_id or paren.group(1)
        title = title[: paren.start()]
    if title.endswith(("…", "...")):
        title = ""
    return (title or None), doc_id


def _title_like(ln: Line) -> bool:
    """A line that may be (part of) a title: words, not a caption, type, label or heading."""
    t = ln.text.strip()
    return (len(_LETTER_RUN.findall(t)) >= 1 and not t.endswith(":") and doc_type_of(t) is None
            and not label_hits(t) and not lexicon("guideline").is_heading(t)
            and not _NUMBERED.match(t))


def _largest_type_title(lines: list[Line]) -> str | None:
    """Page 1's largest type among title-like lines, when clearly larger than the body type:
    the consecutive lines set in it."""
    if not lines:
        return None
    page1 = [ln for ln in lines if ln.page == lines[0].page and ln.size]
    if len(page1) < 3:
        return None
    sizes = sorted(ln.size for ln in page1 if ln.size)
    body = sizes[len(sizes) // 2]
    zone = [ln for ln in page1 if ln.top is None or ln.top < TITLE_ZONE]
    candidates = [ln for ln in zone if ln.size and ln.size >= body * 1.25 and _title_like(ln)]
    if not candidates:
        return None
    top = max(ln.size for ln in candidates if ln.size)
    run: list[str] = []
    for ln in zone:
        if ln.size and abs(ln.size - top) <= 0.6:
            if _title_like(ln):
                run.append(ln.text)
        elif run:
            break
    title = clean_space(" ".join(run))
    return title if _THREE_LETTERS.search(title) else None


def _clean_title(title: str) -> tuple[str, str | None, str | None]:
    """(title, type named by an abbreviation prefix, id in closing parentheses):
    "LCD - Widget Stimulation (L12345)" -> ("Widget Stimulation", LCD's type, "L12345")."""
    doc_type = None
    for prefix, name in rules().prefix_types:
        m = prefix.match(title)
        if m:
            title, doc_type = title[m.end():], name
            break
    doc_id = None
    paren = _PAREN_ID.search(title)
    if paren:
        title, doc_id = title[: paren.start()], paren.group(1)
    return title.strip(), doc_type, doc_id


def _split_type(title: str) -> tuple[str, str | None]:
    """A title that ends with the document type ("Widget Testing Medical Policy")."""
    words = rules().type_words
    folded = ascii_folded(title)
    if words is not None and UNSURE not in folded and not any(w in folded for w in words):
        return title, None  # no type word, no type
    for name, pat in rules().doc_types:
        for m in pat.finditer(title, timeout=limit(title, 0.05)):
            if m.end() == len(title) and m.start() > 0 and title[m.start() - 1] == " ":
                head = title[: m.start()].strip()
                if len(head.split()) >= 2:
                    return head, name
    return title, None


@dataclass(slots=True)
class _Found:
    doc_type: str | None = None
    running_id: str | None = None
    running_title: str | None = None


def _types_and_running_headers(
    lines: list[Line], all_lines: list[Line], folded: str, starts: list[int]
) -> _Found:
    """The header's first type line, and a running header ("<type> <id>") and the title line
    under it anywhere in the document (text exports that start mid-document keep them only on
    later pages). `all_lines` are the raw document's lines, `lines` (the header) their first
    ones, `folded` the raw text's `ascii_folded`, `starts` the raw lines' starts. One walk over
    the lines serves both, as the running header is a type line itself."""
    found = _Found()
    # a type line holds a type word (`doc_type_of` needs a type's match)
    for k, words in lines_with(folded, rules().type_words, all_lines, starts):
        line = all_lines[k]
        dt = doc_type_of(line.text, unsure=not words or UNSURE in words)
        if dt and k < len(lines) and found.doc_type is None:
            found.doc_type = dt[0]
        if dt and dt[1]:
            found.doc_type = found.doc_type or dt[0]
            found.running_id = _id_value(dt[1])
            if k + 1 < len(all_lines):
                title = clean_space(all_lines[k + 1].text)
                if title and not label_hits(title) and _THREE_LETTERS.search(title):
                    found.running_title = title
            break
    return found


# --- other fields -----------------------------------------------------------------------


def _mcd_status(ctx: Context, folded: str) -> str | None:
    r = rules()
    words = r.mcd_words
    if words and UNSURE not in folded and not all(any(w in folded for w in p) for p in words):
        return None  # a word of the line is missing (`folded`: the raw text's `ascii_folded`)
    if not r.mcd_line.search(ctx.raw.text, timeout=1.0):  # a line is a stretch of the text
        return None
    for line in ctx.raw.lines:
        if r.mcd_line.search(line.text, timeout=limit(line.text, 0.05)):
            for pat in r.mcd_phrases:
                m = pat.search(line.text, timeout=limit(line.text, 0.05))
                if m:
                    return clean_space(m.group(0))
    return None


def _publisher(header: list[Line], ctx: Context, folded: str, starts: list[int]) -> str | None:
    """The first publisher named in the header (raw lines), else the one named most often.
    A publisher is named only where a word of its stands in `folded` (the raw text's
    `ascii_folded`; `starts`: the raw lines' starts): each word is looked for only before the
    first line found so far to name one, so that an early name spares most of the reading."""
    r = rules()
    words = r.publisher_words
    every = list(range(len(r.publishers)))
    named = {**words, UNSURE: every} if words is not None else None
    first = len(header)  # the first header line that names a publisher
    if named is None:
        first = next((k for k, line in enumerate(header) if _names(line, every)), first)
    elif header:
        n, end = len(header), header[-1].end
        for word, idxs in named.items():
            at = folded.find(word, header[0].start, end)
            while at >= 0:
                k = bisect_right(starts, at, 0, n) - 1
                if at < header[k].end and _names(header[k], idxs):
                    first, end = k, header[k].start
                    break
                at = folded.find(word, max(at + 1, header[k].end), end)
    if first < len(header):
        line = header[first]
        here = folded[line.start:line.end]
        maybe = every if named is None else sorted(
            {i for word, idxs in named.items() if word in here for i in idxs})
        for i in maybe:
            name, pat = r.publishers[i]
            if pat.search(line.text, timeout=limit(line.text, 0.05)):
                return name
    # the document's publishers: those of the words it holds
    held = set(every) if named is None or UNSURE in folded else {
        i for word, idxs in named.items() if word in folded for i in idxs}
    counts: Counter[str] = Counter()
    for i, (name, pat) in enumerate(r.publishers):
        counts[name] = len(pat.findall(ctx.raw.text, timeout=limit(ctx.raw.text, 1.0))) \
            if i in held else 0
    best = counts.most_common(1)
    return best[0][0] if best and best[0][1] else None


def _names(line: Line, publishers: list[int]) -> bool:
    """Does one of these publishers match the line?"""
    pubs = rules().publishers
    return any(pubs[i][1].search(line.text, timeout=limit(line.text, 0.05)) for i in publishers)


def _page_count(ctx: Context, folded: str) -> int:
    if ctx.raw.format == "pdf":
        return len(ctx.raw.pages)
    # `_PAGE_OF.finditer` tried only where a stamp may start: at a "page" in any case
    stamps: list[int] = []
    resume = 0
    at = folded.find("page")
    while at >= 0:
        if at >= resume and (m := _PAGE_OF.match(ctx.raw.text, at)):
            stamps.append(int(m.group(1)))
            resume = m.end()
        at = folded.find("page", at + 1)
    return max(stamps) if stamps else max(1, len(ctx.raw.pages))


def _latest_history_date(ctx: Context) -> str | None:
    from extractor.extract.related import extract_history

    # only rows that record a review: other tables date revisions or effective dates
    dates = [r.date for r in extract_history(ctx)
             if r.date and "review" in f"{r.status or ''} {r.action}".lower()]
    return max(dates) if dates else None


# --- entry point ----------------------------------------------------------------------------


def extract(ctx: Context) -> GuidelineMetadata:
    folded = ascii_folded(ctx.raw.text)  # for the literal gates
    header, more = header_lines(ctx)
    first = {f: v for f, (_, _, v) in labelled(header).items()}
    values = {f: v for f, (_, _, v) in labelled(more, strict=True).items()} | first
    starts = [ln.start for ln in ctx.raw.lines]  # for the literal gates' line look-ups
    found = _types_and_running_headers(header, ctx.raw.lines, folded, starts)
    stamp_title, stamp_id = _stamp_title(header[0]) if header else (None, None)

    doc_id = values.get("doc_id") or found.running_id or stamp_id
    if doc_id is None:
        for line in header:
            text = line.text.strip()
            # an id holds no white space: a line that is one, or ends with one in parentheses
            if not text.endswith(")") and len(text.split(None, 1)) > 1:
                continue
            kid = _known_id(text)
            if kid and (kid == text or text.endswith(f"({kid})")):
                doc_id = kid
                break
    # page 1's labelled title, then its largest type; labels of later pages (two-column
    # tables there interleave other text), running headers and print stamps after that
    title = (first.get("title") or _largest_type_title(header)
             or values.get("title") or found.running_title or stamp_title)
    doc_type = found.doc_type
    if title:
        title, prefix_type, title_id = _clean_title(title)
        title, trailing_type = _split_type(title)
        doc_type = doc_type or prefix_type or trailing_type
        doc_id = doc_id or title_id
    last_review = values.get("last_review_date") or _latest_history_date(ctx)
    return GuidelineMetadata(
        doc_id=doc_id,
        title=title,
        doc_type=doc_type,
        publisher=_publisher(header, ctx, folded, starts),
        publish_date=values.get("publish_date"),
        effective_date=values.get("effective_date"),
        last_review_date=last_review,
        status=values.get("status") or _mcd_status(ctx, folded),
        page_count=_page_count(ctx, folded),
    )
