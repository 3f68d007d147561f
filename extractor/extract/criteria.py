"""Criteria trees: one block per coverage statement, a logic tree of its labelled items.

Heuristics, in the order the code applies them:

  1. Region. Criteria live in clinical-indication sections ("Clinical Indications", "Position
     Statement", "Coverage Rationale", "Covered Indications", ...). The document's lines are
     walked in order (front matter, then each section's heading and body); a heading of that
     kind (or one of the rule file's region patterns, "Clinical Guideline Coverage Criteria"),
     or a line that names a status on its own ("I. Medical Necessity", "Investigational and
     Not Medically Necessary:"), opens the region; a heading of any other known kind closes
     it. Headings of evidence, coding and reference kinds close it for good, so a code table
     titled "Not Medically Necessary" does not reopen it. When this finds no statement at all
     (a policy heading lost to the layout), a permissive walk reads everything but
     descriptions and evidence, coding and reference sections.
  2. Units. Region lines become units: headings, paragraphs and list items. A line opens an
     item when it starts with a label (A., 1., a), (i), AA., bullets); a line made only of a
     connector ("and", "or") belongs to the item before it; a bullet glyph on a line of its
     own labels the text beside it; a mark of a few characters at the height of the line
     before (a superscript) is dropped. Wrapped lines join their unit unless the indentation
     falls back left of the label, the previous line ended a sentence short of the margin or
     before a blank gap, or a note starts. In PDFs, lines indented under a lead-in that ends
     with a colon are unlabelled items even without a bullet glyph; each starts after a line
     ending with ";", "," or "." (or a short line) when it begins with a capital. A short
     capitalised line after a finished sentence is a subheading unless the next line runs on
     in lower case; a short labelled line ending with a colon over prose or over a statement
     item is a topic title ("1. Cystic fibrosis:"), and so is a part numbered in capital
     roman numerals ("III. Policy Limitations and Exclusions").
  3. Blocks. A paragraph carrying a status phrase ("is considered medically necessary when",
     "Aetna considers ... medically necessary", "is unproven and not medically necessary",
     "may be covered", "will not be covered") starts a block; the status comes from the
     phrase whose status word sits nearest its verb (quoted text names none). The first
     paragraph or list after a status heading starts a block with the heading's status. A
     labelled item carrying its own status where no block is open is a numbered statement: a
     block whose own label is dropped; the next label of that run opens the next block.
     Notes ("Note: ...") and restatements ("These are considered ...") never start blocks. A
     plain paragraph suspends the open list; a later item resumes it only when its label
     continues that list (A. ... note ... B.).
  4. Nesting. An item whose label style (A., 1., a., i., bullet glyph) matches an open list at
     a compatible indentation is that list's next sibling; otherwise it opens a nested list
     under the last item, or, left of every open list, a new top list. "i", "v", "x" (and
     "I", "V", "X") read as letters only right after "h", "u", "w" in an open letter list.
  5. Operators. The lead-in (the parent's text, or the block statement for the root list)
     decides where it says so ("all of the following", "either of", "two or more of",
     "(1 or 2)", "(A through G)", or a list of separately named services, which is `any`).
     Otherwise the connectors between the items decide ("; or" -> any, "; and" -> all); a
     connector after the last item of a nested list joins the list above. Where the lead-in
     and the connectors disagree (I_CRITERIA_OP_CONFLICT), or the connectors mix
     (I_CRITERIA_MIXED_CONNECTORS), an issue is recorded. With neither, a list is `any`: its
     items are named one by one.
  6. Text. An item's text is its wrapped lines joined (a hyphen at a line end joins as is),
     without its label, its trailing connector or separator; spans index the source text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import regex

from extractor.context import Context
from extractor.document import Line
from extractor.models.contract import CriteriaBlock, CriteriaNode
from extractor.rules import compile_all, load
from extractor.segment.paragraphs import CODE_ROW
from extractor.segment.sections import lexicon
from extractor.textmap import TextMap
from extractor.textutil import fold, limit

TIMEOUT = 0.05
# indentation tolerances in PDF points
SIBLING_TOL = 8.0
DEDENT_TOL = 3.0
INDENT_MIN = 6.0
# lines under a lead-in paragraph ending with a colon need less indentation to be its items
LEADIN_INDENT = 4.0
# a paragraph longer than this under a status heading is a table or prose, not its statement
INHERIT_MAX_WORDS = 150

# A list label at the start of a line: "A.", "1)", "(a)", "iv.", or a bullet glyph. The label
# must be followed by white space so that "e.g." or "U.S." never read as labels.
LABEL = regex.compile(
    r"^(?:(?P<open>\()?(?P<tok>[A-Z]|[a-z]|\d{1,3}|[ivxl]{1,6}|[IVXL]{1,6}|[A-Z]{2})(?P<close>[.)])"
    r"|(?P<bullet>[•·▪●○■◦►▶✓❖➢➤\-–—*o\uf0b7\uf0a7\uf0d8\uf076\uf0fc\uf0a8]))\s+(?=\S)"
)
_ROMAN_LOWER = regex.compile(r"^[ivxl]+$")
_ROMAN_UPPER = regex.compile(r"^[IVXL]+$")
_LONE_BULLET = regex.compile(r"^[•·▪●○■◦►▶✓❖➢➤\-–—*o\uf0b7\uf0a7\uf0d8\uf076\uf0fc\uf0a8]$")
_SENTENCE_END = regex.compile(r"[.:!?][\"'”’)\]]?$")
_TERMINATOR = regex.compile(r"[.;,:][\"'”’)\]]?$")
_NUMBERING = regex.compile(r"^(?:[IVX]{1,5}|\d{1,2}|[A-Z])[.)]\s+")
_TRAILING = regex.compile(r"[\s:.\-–]+$")
# tails searched in reverse ((?r)): the same matches, but linear where a forward search is
# quadratic in a long run of spaces inside an item
_CONNECTORS = "and/or|and|or|plus"
_CONNECTOR_TAIL = regex.compile(
    rf"(?r)(?:[;,]\s*|\s+)({_CONNECTORS})\s*$|^({_CONNECTORS})\s*$", regex.I
)
_SEPARATOR_TAIL = regex.compile(r"(?r)\s*[;,]\s*$")
# ... and what a text must end with (white space aside) for them to match: a reverse search
# still tries every position of a text that cannot match, so most texts are turned away first
# (case-folded: the connectors are matched ignoring case; "ſ" folds to "s")
_CONNECTOR_ENDS = tuple(sorted({c.rsplit("/", 1)[-1] for c in _CONNECTORS.split("|")}))


def _may_end_with_connector(text: str) -> bool:
    return text.rstrip()[-6:].casefold().endswith(_CONNECTOR_ENDS)


def _may_end_with_separator(text: str) -> bool:
    return text.rstrip()[-1:] in (";", ",")


# `_SENTENCE_END` and `_TERMINATOR` end the text: a forward search tries them at every
# position of a line, so only the last three characters (a mark, a closing quote or bracket,
# a final newline "$" allows) are searched.
def _ends_sentence(text: str) -> bool:
    return _SENTENCE_END.search(text[-3:]) is not None


def _ends_clause(text: str) -> bool:
    return _TERMINATOR.search(text[-3:]) is not None


# white space and zero-width characters at a line's head; at its tail also private-use glyphs
# (a font's bullets and spaces)
_HEAD_CHAR = r"[\s\u200b-\u200d\ufeff]"
_TAIL_CHAR = r"[\s\p{Co}\u200b-\u200d\ufeff]"
_EDGE = regex.compile(rf"^{_HEAD_CHAR}+|{_TAIL_CHAR}+$")
# the same two edges searched apart, the tail in reverse ((?r)): linear, where `_EDGE.sub` is
# quadratic in a long run of spaces inside a line
_EDGE_HEAD = regex.compile(rf"^{_HEAD_CHAR}+")
_EDGE_TAIL = regex.compile(rf"(?r){_TAIL_CHAR}+$")
# a lead-in that sets conditions ("... not medically necessary when:") rather than naming
# services: its items are conditions, read by their connectors
_CONDITIONAL = regex.compile(r"\b(?:when|if|unless|where)\b[^.;]{0,80}:?\s*$", regex.I)
# a paragraph that restates the status of the list just above it
_RESTATEMENT = regex.compile(r"^(?:these|such|all\s+of\s+the\s+above|the\s+above)\b", regex.I)
_QUOTED = regex.compile(r"[“\"][^”\"]{0,600}[”\"]")


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Screen:
    """Words one of which every match of a pattern contains (a rule's `screen`): where none
    occurs, the pattern is not searched (speed only: a failed search of a status pattern scans
    on from every verb of the text; the screen is a substring test)."""

    words: frozenset[str]  # lower case; empty: no screen

    @classmethod
    def of(cls, item: dict[str, Any]) -> _Screen:
        return cls(frozenset(item.get("screen", ())))

    def admits(self, present: set[str]) -> bool:
        """`present`: the words of `_Screens.present` for the text."""
        return not self.words or not self.words.isdisjoint(present)


class _Screens:
    """The screens of one rule list, read together: which of their words a text holds is found
    once per text. On ASCII text a substring test of the text lower-cased decides exactly (a
    case-insensitive pattern's letters match as `str.lower` has them); elsewhere full case
    folding may match a word's letters with others ("ß" for "ss"), so the regex module, which
    folds as the patterns do, looks for each word."""

    def __init__(self, screens: list[_Screen]) -> None:
        self.words = tuple(sorted(frozenset().union(*(s.words for s in screens))))
        self.finders = tuple((w, regex.compile(regex.escape(w), regex.I | regex.V1))
                             for w in self.words)

    def present(self, text: str) -> set[str]:
        if text.isascii():
            low = text.lower()
            return {w for w in self.words if w in low}
        return {w for w, f in self.finders if f.search(text) is not None}


@dataclass(frozen=True, slots=True)
class _Rules:
    status: list[tuple[str, int, regex.Pattern[str], _Screen]]  # (status, order, pattern, screen)
    status_screens: _Screens
    heading: list[tuple[str, regex.Pattern[str]]]
    ops: list[tuple[str, int | None, regex.Pattern[str], _Screen]]  # (op, min, pattern, screen)
    op_screens: _Screens
    numbers: dict[str, int]
    notes: tuple[str, ...]
    connectors: dict[str, str]
    hard_off: frozenset[str]
    skip_headings: frozenset[str]
    soft_only: frozenset[str]
    on_patterns: tuple[regex.Pattern[str], ...]
    heading_words: tuple[str, ...]
    defaults: tuple[tuple[str, regex.Pattern[str], _Screen], ...]
    default_screens: _Screens
    heading_prefix: regex.Pattern[str]
    on_words: tuple[str, ...]


@cache
def _rules() -> _Rules:
    data: dict[str, Any] = load("criteria")
    keys = {"id", "status", "order", "pattern", "screen"}
    status_pats = compile_all("criteria.status", data["status"], allowed=keys)
    status = [
        (item["status"], int(item.get("order", 9)), pat, _Screen.of(item))
        for item, (_, pat) in zip(data["status"], status_pats, strict=True)
    ]
    head_pats = compile_all(
        "criteria.heading", data["heading"], allowed={"id", "status", "pattern"}
    )
    heading = [
        (item["status"], pat)
        for item, (_, pat) in zip(data["heading"], head_pats, strict=True)
    ]
    op_pats = compile_all("criteria.op", data["op"],
                          allowed={"id", "op", "min", "pattern", "screen"})
    ops = [
        (item["op"], item.get("min"), pat, _Screen.of(item))
        for item, (_, pat) in zip(data["op"], op_pats, strict=True)
    ]
    words = data["words"]
    defaults = tuple(
        (item["op"], pat, _Screen.of(item))
        for item, (_, pat) in zip(
            data["default"],
            compile_all("criteria.default", data["default"],
                        allowed={"id", "op", "pattern", "screen"}),
            strict=True,
        )
    )
    return _Rules(
        status=status,
        status_screens=_Screens([e[3] for e in status]),
        heading=heading,
        ops=ops,
        op_screens=_Screens([e[3] for e in ops]),
        numbers={k.lower(): int(v) for k, v in words["numbers"].items()},
        notes=tuple(p.lower() for p in words["note_prefixes"]),
        connectors={k.lower(): v for k, v in words["connectors"].items()},
        hard_off=frozenset(data["region"]["hard_off"]),
        skip_headings=frozenset(fold(h) for h in data["region"]["skip_headings"]),
        soft_only=frozenset(data["region"]["closed_even_when_permissive"]),
        on_patterns=tuple(
            regex.compile(p, regex.I | regex.V1) for p in data["region"]["on_patterns"]
        ),
        heading_words=tuple(data["words"]["heading_words"]),
        defaults=defaults,
        default_screens=_Screens([e[2] for e in defaults]),
        heading_prefix=regex.compile(data["words"]["heading_prefix"], regex.I | regex.V1),
        on_words=tuple(data["region"]["on_words"]),
    )


def _matches(patterns: tuple[regex.Pattern[str], ...], text: str, whole: bool = False) -> bool:
    """Does one of `patterns` match `text` (the whole of it when `whole`)? A pattern that
    times out counts as no match."""
    for pat in patterns:
        try:
            if (pat.fullmatch if whole else pat.search)(text, timeout=limit(text, TIMEOUT)):
                return True
        except TimeoutError:
            continue
    return False


_EDGE_CHAR_HEAD = regex.compile(_HEAD_CHAR)
_EDGE_CHAR_TAIL = regex.compile(_TAIL_CHAR)
_EDGE_CHARS: dict[str, tuple[bool, bool]] = {}  # char -> (strippable at head, at tail)


def _edge_char(ch: str) -> tuple[bool, bool]:
    """Whether _EDGE_HEAD / _EDGE_TAIL would strip this one character (memoised per char)."""
    hit = _EDGE_CHARS.get(ch)
    if hit is None:
        hit = (bool(_EDGE_CHAR_HEAD.match(ch)), bool(_EDGE_CHAR_TAIL.match(ch)))
        _EDGE_CHARS[ch] = hit
    return hit


def _strip(text: str) -> str:
    # fast path (speed only): most lines have nothing to strip at either edge, which the
    # first and last character decide; the two substitutions run only when one could match
    # (the memo is read here, not through `_edge_char`: this runs a few times a line)
    if text and not (_EDGE_CHARS.get(text[0]) or _edge_char(text[0]))[0] \
            and not (_EDGE_CHARS.get(text[-1]) or _edge_char(text[-1]))[1]:
        return text
    return _EDGE_TAIL.sub("", _EDGE_HEAD.sub("", text, count=1), count=1)


def _rstrip_len(text: str) -> int:
    if not text or not (_EDGE_CHARS.get(text[-1]) or _edge_char(text[-1]))[1]:
        return len(text)  # nothing to strip (the common case, without a reverse search)
    m = _EDGE_TAIL.search(text)
    return m.start() if m else len(text)


def find_status(text: str) -> str | None:
    """The status a statement names: the match whose status word sits nearest its verb.
    Quoted text (a statute cited) names no status of the document's own."""
    if '"' in text or "“" in text:
        text = _QUOTED.sub(" ", text)
    r = _rules()
    present = r.status_screens.present(text)
    best: tuple[int, int, int] | None = None
    found: str | None = None
    for status, order, pat, screen in r.status:
        if not screen.admits(present):
            continue
        try:
            m = pat.search(text, timeout=limit(text, TIMEOUT))
        except TimeoutError:
            continue
        if m is None:
            continue
        key = (m.start(), m.end() - m.start(), order)
        if best is None or key < best:
            best, found = key, status
    return found


def heading_status(text: str, key: str | None = None) -> str | None:
    """The status a short heading line names on its own ("Not Medically Necessary:").
    `key`: `_heading_key(text.strip())` when the caller has it."""
    if len(text) > 200:  # (length: _TRAILING is slow on long runs)
        return None
    words = _rules().heading_words
    # on ASCII text the key is the text folded ("II. Not Medically Necessary:" -> "not
    # medically necessary"): no heading word in the text lower-cased, none in the key (the
    # most selective test, so first)
    if key is None and text.isascii() and not _holds_any(text.lower(), words):
        return None
    if key is not None and not _holds_any(key, words):
        return None  # (the same screen as below, first where the key is given)
    # (`split(None, 9)` stops at the tenth word: the count matters only up to there)
    if len(text.split(None, 9)) > 9:
        return None
    first = next((ch for ch in text if ch.isalpha()), "")
    if not first.isupper():
        return None  # a heading is capitalised; a lower-case word is a wrapped table cell
    if key is None:
        key = _heading_key(text.strip())
    if not _holds_any(key, words):
        return None  # cheap screen: every status heading names one of these words
    key = _rules().heading_prefix.sub("", key, count=1)
    for status, pat in _rules().heading:
        if pat.fullmatch(key, timeout=limit(key, TIMEOUT)):
            return status
    return None


def _holds_any(text: str, words: tuple[str, ...]) -> bool:
    for w in words:  # (a loop: `any` over a generator costs more than these tests)
        if w in text:
            return True
    return False


def _heading_key(text: str) -> str:
    """A heading folded, its numbering ("II.") and trailing punctuation removed."""
    # (each substitution only where it can apply: numbering ends in "." or ")" within the
    # first six characters, trailing punctuation is a final character of `_TRAILING`'s set)
    head = text[:6]
    if "." in head or ")" in head:
        text = _NUMBERING.sub("", text)
    key = fold(text)
    if key and (key[-1] in ":.-–" or key[-1].isspace()):
        key = _TRAILING.sub("", key)
    return key


def lead_in_op(text: str) -> tuple[str, int | None] | None:
    """The operator a lead-in names; the last match in the text decides."""
    best: tuple[int, str, int | None] | None = None
    r = _rules()
    present = r.op_screens.present(text)
    for op, minimum, pat, screen in r.ops:
        if not screen.admits(present):
            continue
        try:
            matches = list(pat.finditer(text, timeout=limit(text, TIMEOUT)))
        except TimeoutError:
            continue
        for m in matches:
            n = minimum
            if op == "at_least":
                n = _number(m.captures("n")[-1] if m.captures("n") else "")
                if n is None:
                    continue
            if best is None or m.end() > best[0]:
                best = (m.end(), op, n)
    return (best[1], best[2]) if best else None


def _number(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    return _rules().numbers.get(w)


def is_note(text: str) -> bool:
    low = text.lower().lstrip()
    notes = _rules().notes
    if not low.startswith(notes):  # (one test for all prefixes first: most texts are none)
        return False
    for p in notes:
        if not low.startswith(p):
            continue
        # "note" but not "notable": a word prefix must end at a word boundary
        if not p[-1].isalpha() or len(low) == len(p) or not low[len(p)].isalpha():
            return True
    return False


def connector_of(text: str) -> str | None:
    """The connector ending an item ("; or" -> "or"), if any."""
    m = _CONNECTOR_TAIL.search(text) if _may_end_with_connector(text) else None
    if not m:
        return None
    return (m.group(1) or m.group(2)).lower()


# --- units --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Unit:
    kind: str  # "heading" | "para" | "item"
    lines: list[Line]
    section: int | None
    label: str | None = None  # item label token without punctuation; None for bullets
    form: str = ""  # label form: "dot", "paren", "close", "bullet:<glyph>", "indent"
    x0: float | None = None  # x0 of the first line (the label's position)
    status: str | None = None  # for headings: the status the heading names
    connector: str | None = None  # a connector standing on a line of its own after the unit
    # the lines joined, kept with the count and last line it was made from (read several times
    # once the unit is complete: `_topics`, the assembler, the emitter)
    _map: tuple[int, int, TextMap] | None = field(default=None, compare=False, repr=False)

    @property
    def first(self) -> Line:
        return self.lines[0]

    def textmap(self) -> TextMap:
        """`_textmap` of the unit's lines."""
        made = self._map
        if made is None or made[0] != len(self.lines) or made[1] != id(self.lines[-1]):
            made = self._map = (len(self.lines), id(self.lines[-1]), _textmap(self.lines))
        return made[2]

    @property
    def last_text(self) -> str:
        return _strip(self.lines[-1].text)


@dataclass(slots=True)
class _Entry:
    line: Line
    heading: bool
    section: int | None
    kind: str | None


def _stream(ctx: Context) -> list[_Entry]:
    """Front matter lines, then every section's heading line and body lines, in order."""
    out = [_Entry(ln, False, None, None) for ln in ctx.front]
    for s in ctx.sections:
        if s.heading_line is not None:
            out.append(_Entry(s.heading_line, True, s.id, s.kind))
        # (a list comprehension: extending by a generator costs a resumption per line)
        out += [_Entry(ln, False, s.id, s.kind) for ln in s.lines]
    return out


def _heading_like(line: Line) -> bool:
    return _heading_like_text(_strip(line.text))


def _heading_like_text(text: str) -> bool:
    """`_heading_like` on a line's already stripped text."""
    # the cheapest test first: most lines are prose that does not open with a capital
    first = text[:1]
    if not (first.isupper() or first.isdigit()) or not first.isalnum():
        return False
    if len(text.split(None, 10)) > 10:  # more than ten words (counted up to the eleventh)
        return False
    return not (text.endswith((".", ",", ";")) and not _NUMBERING.match(text + " "))


def _heading_kind(e: _Entry) -> str | None:
    """What a heading (or a heading-like body line) does to the region: a section kind,
    "status" for a status heading, "skip" for a heading to pass over, None for no heading.
    Marks recognised body lines as headings."""
    text = _strip(e.line.text)
    if not e.heading and (text.endswith(".") or not _heading_like_text(text)):
        return None
    rules = _rules()
    lex = lexicon("guideline")
    key = _heading_key(text[:200])  # bounded: slow on long runs
    if key in rules.skip_headings:
        e.heading = True
        return "skip"
    kind = lex.top(text)
    if kind is None and e.heading and e.kind == "clinical_indications":
        kind = e.kind
    # (the key is heading_status's own where the text is its whole, stripped self)
    if kind is None and heading_status(
        text, key if len(text) <= 200 and text.strip() == text else None
    ):
        kind = "status"
    if kind is None and (e.heading or len(text.split()) <= 8):
        if _holds_any(key, rules.on_words) and _matches(rules.on_patterns, key, whole=True):
            kind = "clinical_indications"
    if kind is not None:
        e.heading = True
    return kind


def _region(kinds: list[str | None], permissive: bool = False) -> list[bool]:
    """Which entries fall in a criteria region (heuristic 1), from each entry's heading kind.
    Permissive (when the strict walk found no statement): only evidence, coding and reference
    kinds close the region, so a policy whose heading was lost is still read."""
    rules = _rules()
    on, locked = permissive, False
    out: list[bool] = []
    for kind in kinds:
        if permissive and kind is not None and kind not in rules.hard_off | rules.soft_only:
            kind = "clinical_indications"
        if kind == "clinical_indications":
            on, locked = True, False
        elif kind == "status":
            if not locked:
                on = True
        elif kind is not None:
            on = False
            locked = kind in rules.hard_off
        out.append(on)
    return out


def _label(text: str) -> tuple[str | None, str, int] | None:
    """(token, form, end offset of the label and its space) for a line opening an item."""
    m = LABEL.match(text)
    if not m:
        return None
    if m.group("bullet"):
        return None, f"bullet:{m.group('bullet')}", m.end()
    form = "paren" if m.group("open") else ("close" if m.group("close") == ")" else "dot")
    return m.group("tok"), form, m.end()


def _is_furniture(line: Line, margin_x0: float | None) -> bool:
    """A stray short line far right of the text column (a page's "Feedback" tab)."""
    return (
        margin_x0 is not None
        and line.x0 is not None
        and line.x0 > margin_x0 + 200
        and len(line.text.split()) <= 5
    )


def _left_margin(values: list[float]) -> float | None:
    """The text's left margin: the leftmost column that a tenth of the lines start at (list-
    heavy pages start most lines indented, so the most common column is not the margin)."""
    if not values:
        return None
    counts = Counter(round(v) for v in values)
    seen = 0
    for x in sorted(counts):
        seen += counts[x]
        if seen >= 0.1 * len(values):
            return float(x)
    return float(max(counts))


class _UnitBuilder:
    """Region lines -> units (heuristic 2)."""

    def __init__(self, lines: list[Line]) -> None:
        xs = [ln.x0 for ln in lines if ln.x0 is not None]
        x1s = [ln.x1 for ln in lines if ln.x1 is not None]
        self.margin_x0 = _left_margin(xs)
        self.right = sorted(x1s)[int(len(x1s) * 0.9)] if x1s else None
        lengths = sorted(len(ln.text) for ln in lines)
        self.width_chars = lengths[int(len(lengths) * 0.8)] if lengths else 0
        self.units: list[Unit] = []
        self.cur: Unit | None = None
        self.pending: str | None = None  # a bullet glyph waiting for its text
        self.indent_xs: list[float] = []  # columns of the open unlabelled lists
        # a layout that leaves a gap before most lines carries no paragraph signal in gaps
        gaps = sum(1 for ln in lines if ln.gap_before > 0)
        self.use_gaps = gaps <= 0.5 * len(lines)

    def flush(self) -> None:
        if self.cur is not None:
            self.units.append(self.cur)
        self.cur = None

    def heading(self, line: Line, section: int | None, status: str | None) -> None:
        self.flush()
        self.indent_xs.clear()
        self.pending = None
        self.units.append(Unit("heading", [line], section, status=status, x0=line.x0))

    def _short(self, line: Line) -> bool:
        if line.x1 is not None and self.right is not None:
            return line.x1 < self.right - 25
        return len(line.text) < 0.8 * self.width_chars

    def _continues(self, cur: Unit, line: Line, text: str) -> bool:
        prev = cur.lines[-1]
        ptext = _strip(prev.text)
        if is_note(text) and not cur.lines[-1].text.rstrip().endswith(("(", "-")):
            return False
        if ptext.endswith(":") and not (text[:1].islower() and not _label(text)):
            return False  # a lead-in ends; an inline list that runs on in lower case continues
        if cur.kind == "item" and cur.x0 is not None and line.x0 is not None:
            if line.x0 < cur.x0 - DEDENT_TOL:
                return False
            gap = self.use_gaps and prev.page == line.page and line.gap_before > 0
            if (
                cur.form != "indent" and line.x0 <= cur.x0 + 1.5 and text[:1].isupper()
                and (gap or _ends_sentence(ptext))
            ):
                return False  # back at the label's column after a gap or a full stop
        if cur.kind == "para" and cur.x0 is not None and line.x0 is not None:
            if abs(line.x0 - cur.lines[-1].x0) > INDENT_MIN and _ends_sentence(ptext):  # type: ignore[operator]
                return False
            if line.x0 < cur.x0 - INDENT_MIN and text[:1].isupper():
                return False  # back out to a column left of the paragraph
        if _ends_sentence(ptext) and self._short(prev) and text[:1].isupper():
            return False
        if cur.form == "indent" and text[:1].isupper() and (
            _ends_clause(ptext) or connector_of(ptext) or self._short(prev)
        ):
            return False
        if (
            self.use_gaps and prev.page == line.page and line.gap_before > 0
            and line.x0 is not None
            and _ends_sentence(ptext) and text[:1].isupper()
        ):
            return False  # a blank gap after a finished sentence (PDF)
        if text[:1].islower():
            return True
        if _heading_like(line) and _ends_sentence(ptext) and heading_status(text):
            return False
        return True

    def add(self, line: Line, section: int | None) -> None:
        text = _strip(line.text)
        if not text or _is_furniture(line, self.margin_x0):
            return
        cur = self.cur
        if text.lower() in _rules().connectors and cur is not None:
            cur.connector = text.lower()
            return
        if _LONE_BULLET.match(text):
            self._lone_bullet(line, text)
            return
        if cur is not None and cur.kind != "heading" and _beside(cur.lines[-1], line, text):
            return  # a superscript or footnote mark set beside the last line: not text
        if self.pending is not None:
            # the glyph stood on a line of its own just before this text
            self.flush()
            self.cur = Unit("item", [line], section, form=f"bullet:{self.pending}", x0=line.x0)
            self.pending = None
            self._remember(line.x0)
            return
        lab = None if is_note(text) else _label(text)
        hs = heading_status(text) if _heading_like_text(text) and not text.endswith(".") else None
        complete = cur is None or cur.kind == "heading" or _ends_sentence(cur.last_text)
        if hs is not None and complete:
            self.heading(line, section, hs)  # "II. Experimental, Investigational, or Unproven"
            return
        if lab is not None and _part_heading(lab[0], text[lab[2]:]):
            self.heading(line, section, None)  # "III. Policy Limitations and Exclusions"
            return
        if lab is not None:
            token, form, _ = lab
            self.flush()
            self.cur = Unit("item", [line], section, label=token, form=form, x0=line.x0)
            return
        if self._title(cur, line, text):
            self.heading(line, section, None)  # an untitled subheading such as "Reoperation"
            self.units[-1].form = "title"
            return
        last = self.units[-1] if self.units else None
        if cur is None and last is not None and last.form == "title" and (
            text[:1].islower() or text[:1] in "(["
        ):
            # the "title" was a short first line of a sentence that runs on in lower case
            self.units.pop()
            last.kind, last.form = "para", ""
            last.lines.append(line)
            self.cur = last
            return
        if cur is not None and cur.kind != "heading" and self._continues(cur, line, text):
            cur.lines.append(line)
            return
        # a new paragraph, or an unlabelled item indented under a lead-in
        self.flush()
        if self._indented_item(cur, line, text):
            self.cur = Unit("item", [line], section, label=None, form="indent", x0=line.x0)
            self._remember(line.x0)
        else:
            self.cur = Unit("para", [line], section, x0=line.x0)
            if line.x0 is None or self.margin_x0 is None or line.x0 <= self.margin_x0 + DEDENT_TOL:
                self.indent_xs.clear()

    def _in_list(self, line: Line) -> bool:
        """A line the segmenter took for a heading that is a connector, or a bold item of an
        open unlabelled list (indented to the list's column)."""
        text = _strip(line.text)
        if text.lower() in _rules().connectors:
            return True
        if line.x0 is None or self.margin_x0 is None or line.x0 <= self.margin_x0 + INDENT_MIN:
            return False
        if lexicon("guideline").top(text) or heading_status(text):
            return False
        return any(abs(line.x0 - x) <= DEDENT_TOL for x in self.indent_xs)

    def _remember(self, x0: float | None) -> None:
        if x0 is not None and all(abs(x0 - x) > DEDENT_TOL for x in self.indent_xs):
            self.indent_xs.append(x0)

    def _lone_bullet(self, line: Line, glyph: str) -> None:
        """A bullet glyph on a line of its own labels the text beside it: the line read just
        before it when that line sits at the same height to its right, else the next line."""
        cur = self.cur
        last = cur.lines[-1] if cur is not None and cur.lines else None
        beside = (
            cur is not None and last is not None and cur.kind != "heading"
            and last.page == line.page and last.top is not None and line.top is not None
            and abs(last.top - line.top) <= 6 and last.x0 is not None and line.x0 is not None
            and last.x0 > line.x0
        )
        if not beside or cur is None or last is None:
            self.pending = glyph
            return
        if len(cur.lines) > 1:
            cur.lines.pop()
            self.flush()
            self.cur = Unit("item", [last], cur.section, form=f"bullet:{glyph}", x0=last.x0)
        else:
            cur.kind, cur.label, cur.form, cur.x0 = "item", None, f"bullet:{glyph}", last.x0
        self._remember(last.x0)

    def _title(self, cur: Unit | None, line: Line, text: str) -> bool:
        """A short capitalised line at the margin, after a finished sentence, without final
        punctuation: a subheading the segmenter did not know."""
        before = cur if cur is not None else (self.units[-1] if self.units else None)
        if before is None or not _heading_like(line) or _ends_clause(text):
            return False
        if len(text.split()) > 6 or text.endswith(("-", "(")) or not self._short(line):
            return False
        if not before.last_text.endswith((".", "!", "?")) and before.kind != "heading":
            return False
        margin = self.margin_x0
        if line.x0 is not None and margin is not None and line.x0 > margin + DEDENT_TOL:
            return False
        return True

    def _indented_item(self, prev: Unit | None, line: Line, text: str) -> bool:
        if prev is None or line.x0 is None or prev.x0 is None or is_note(text):
            return False
        if any(abs(line.x0 - x) <= DEDENT_TOL for x in self.indent_xs) and (
            prev.kind == "item" or text[:1].isupper()
        ):
            return True  # back in an open unlabelled list
        if prev.kind == "heading" or not prev.last_text.endswith(":"):
            return False
        column = prev.x0
        if prev.kind == "item" and prev.label is not None:
            # deeper than the item's text, not merely its label: the wrapped lines' column, or
            # room for the label when the item is one line
            wrapped = [ln.x0 for ln in prev.lines[1:] if ln.x0 is not None]
            column = min(wrapped) if wrapped else prev.x0 + 18
        return line.x0 > column + (LEADIN_INDENT if prev.kind == "para" else INDENT_MIN)

    def build(self, entries: list[_Entry]) -> list[Unit]:
        for e in entries:
            if e.heading and not self._in_list(e.line) and not _statement_heading(e.line):
                self.heading(e.line, e.section, heading_status(e.line.text))
            else:
                self.add(e.line, e.section)
        self.flush()
        return _topics(self.units)


_SMALL_WORDS = frozenset({"a", "an", "and", "or", "of", "the", "for", "to", "in", "on", "with"})


def _part_heading(token: str | None, rest: str) -> bool:
    """A part title numbered in capital roman numerals ("III. Policy Limitations and
    Exclusions"): short, in title case, without final punctuation or a status of its own."""
    if token is None or not _ROMAN_UPPER.match(token):
        return False
    words = rest.split()
    if not words or len(words) > 6 or _ends_clause(rest) or connector_of(rest):
        return False
    if not all(w[:1].isupper() or w.lower() in _SMALL_WORDS or not w[:1].isalpha() for w in words):
        return False
    return heading_status(rest) is None and find_status(rest) is None


def _beside(prev: Line, line: Line, text: str) -> bool:
    """A mark of a few characters set at the height of the line before it (a superscript)."""
    return (
        len(text) <= 3 and prev.page == line.page and prev.top is not None
        and line.top is not None and abs(prev.top - line.top) <= 5
    )


def _statement_heading(line: Line) -> bool:
    """A bold coverage statement the segmenter took for a subheading ("X is not medically
    necessary when:"): it is the block's statement, not a title."""
    text = _strip(line.text)
    return heading_status(text) is None and len(text.split()) >= 5 and find_status(text) is not None


def _topics(units: list[Unit]) -> list[Unit]:
    """A short labelled line ending with a colon and followed by prose or by a statement item,
    not by plain items, titles the statements below it ("1. Adenomatous polyposis coli (APC):"
    over "a. Acme considers ... medically necessary ..."): it is a heading."""
    for k, u in enumerate(units[:-1]):
        if u.kind != "item" or u.label is None or len(u.lines) > 3:
            continue
        text = _unit_text(u)
        if not text.endswith(":") or len(text.split()) > 12 or find_status(text):
            continue
        nxt = units[k + 1]
        if nxt.kind == "para" or (
            nxt.kind == "item" and nxt.label is not None and find_status(_unit_text(nxt))
        ):
            u.kind, u.status = "heading", None
    return units


# --- trees ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    unit: Unit | None  # None for a block root
    label: str | None
    style: str | None
    children: list[_Node] = field(default_factory=list)
    connector: str | None = None  # the connector after this item


@dataclass(slots=True)
class _Level:
    style: str
    x0: float | None
    parent: _Node
    xs: list[float] = field(default_factory=list)  # x0 of every item in the list

    def fits(self, x0: float | None, label: str | None) -> bool:
        """Whether an item at x0 lines up with this list (right-aligned labels such as
        "vii." drift left, so the successor of the last label gets more room)."""
        if x0 is None or self.x0 is None:
            return True
        xs = self.xs or [self.x0]
        near = min(abs(x0 - x) for x in xs)
        last = self.parent.children[-1].label if self.parent.children else None
        if label is not None and last is not None and _successor(last, label, self.style):
            return near <= 2.5 * SIBLING_TOL
        return near <= SIBLING_TOL


@dataclass(slots=True)
class _Block:
    status: str
    statement: Unit
    root: _Node
    stack: list[_Level] = field(default_factory=list)
    order: list[_Node] = field(default_factory=list)  # items in document order

    def root_style(self) -> str | None:
        return self.stack[0].style if self.stack else None


def _successor(a: str, b: str, style: str) -> bool:
    """Whether label b follows label a in a list of this style."""
    if style.startswith("digit"):
        return a.isdigit() and b.isdigit() and int(b) == int(a) + 1
    if style.startswith("roman"):
        ra, rb = _roman(a), _roman(b)
        return ra is not None and rb is not None and rb == ra + 1
    if style.startswith(("upper", "lower")):
        return _letters(b) == _letters(a) + 1 if _letters(a) and _letters(b) else False
    return True


def _letters(label: str) -> int:
    """A, B, ... Z, AA, AB, ... as 1, 2, ... 26, 27, 28 (0 when not letters)."""
    if not label.isalpha() or len(label) > 2:
        return 0
    n = 0
    for ch in label.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _is_first_label(label: str) -> bool:
    return label in ("A", "a", "1", "i", "I")


def _roman(s: str) -> int | None:
    vals = {"i": 1, "v": 5, "x": 10, "l": 50}
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = vals.get(ch)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def _style(unit: Unit, stack: list[_Level]) -> str:
    """Label style (heuristic 4): kind of token and its punctuation."""
    tok = unit.label
    if tok is None:
        return unit.form
    if tok.isdigit():
        kind = "digit"
    elif _ROMAN_LOWER.match(tok) or _ROMAN_UPPER.match(tok):
        upper = tok.isupper()
        letter_kind = "upper" if upper else "lower"
        kind = ("roman_upper" if upper else "roman_lower")
        letter_style = f"{letter_kind}:{unit.form}"
        if any(lv.style == letter_style and lv.parent.children
               and _successor(lv.parent.children[-1].label or "", tok, letter_style)
               for lv in stack):
            kind = letter_kind  # "i" after "h", "AI" ... in a running letter list
        elif len(tok) == 1:
            if tok.lower() == "l":
                kind = letter_kind
            elif not any(lv.style.startswith(kind) for lv in stack) and tok.lower() != "i":
                kind = letter_kind  # a lone "v" or "x" opening a list is a letter
    elif tok.isupper():
        kind = "upper"
    else:
        kind = "lower"
    return f"{kind}:{unit.form}"


def _xs(x0: float | None) -> list[float]:
    return [x0] if x0 is not None else []


def _style_after(unit: Unit, prev_label: str, prev_style: str) -> str:
    """The style of an item that follows an item labelled `prev_label` of `prev_style`."""
    parent = _Node(None, None, None, children=[_Node(None, prev_label, prev_style)])
    return _style(unit, [_Level(prev_style, None, parent)])


def _attach(block: _Block, unit: Unit) -> None:
    style = _style(unit, block.stack)
    node = _Node(unit, unit.label, style)
    x0 = unit.x0
    if not block.stack:
        block.stack.append(_Level(style, x0, block.root, _xs(x0)))
        block.root.children.append(node)
        block.order.append(node)
        return
    for depth in range(len(block.stack) - 1, -1, -1):
        lv = block.stack[depth]
        if lv.style == style and lv.fits(x0, unit.label):
            del block.stack[depth + 1:]
            lv.parent.children.append(node)
            if x0 is not None:
                lv.xs.append(x0)
            block.order.append(node)
            return
    top = block.stack[-1]
    if x0 is not None and top.x0 is not None and x0 < top.x0 - SIBLING_TOL:
        # shallower than the open list with a new style: a sibling of the deepest list that
        # starts left of it
        for depth in range(len(block.stack) - 1, -1, -1):
            lv = block.stack[depth]
            if lv.x0 is None or lv.x0 <= x0 + SIBLING_TOL:
                del block.stack[depth + 1:]
                lv.parent.children.append(node)
                block.order.append(node)
                return
        # left of every open list: a new top list (what stood before was an aside)
        block.stack[:] = [_Level(style, x0, block.root, _xs(x0))]
        block.root.children.append(node)
        block.order.append(node)
        return
    parent = top.parent.children[-1]
    block.stack.append(_Level(style, x0, parent, _xs(x0)))
    parent.children.append(node)
    block.order.append(node)


def _resumes(block: _Block, unit: Unit) -> bool:
    """Whether a labelled item continues a block's top list after an interruption."""
    if unit.label is None or not block.stack:
        return False
    lv = block.stack[0]
    style = _style(unit, block.stack[:1])
    if style != lv.style or not lv.parent.children:
        return False
    last = lv.parent.children[-1].label
    return last is not None and _successor(last, unit.label, style)


class _Assembler:
    """Units -> blocks (heuristic 3)."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.open: _Block | None = None  # the block items attach to
        self.suspended: _Block | None = None
        self.head: Unit | None = None  # the last status heading
        self.head_used = False
        self.statement_style: str | None = None  # style of numbered statements
        self.statement_last: Unit | None = None  # the last numbered statement
        self.scope_start = 0  # index of the first block since the last heading

    def _new(self, status: str, statement: Unit) -> _Block:
        b = _Block(status, statement, _Node(None, None, None))
        self.blocks.append(b)
        self.open, self.suspended = b, None
        return b

    def feed(self, unit: Unit) -> None:
        if unit.kind == "heading":
            self.open = self.suspended = None
            self.scope_start = len(self.blocks)
            self.statement_style = None
            self.statement_last = None
            if unit.status:
                self.head, self.head_used = unit, False
            else:
                self.head = None
            return
        text = _unit_text(unit)
        if unit.kind == "para":
            self._para(unit, text)
        else:
            self._item(unit, text)

    def _para(self, unit: Unit, text: str) -> None:
        if is_note(text) or CODE_ROW.match(text):
            if self.open is not None:
                self.suspended, self.open = self.open, None
            return
        if self.open is not None and self.open.order and _RESTATEMENT.match(text):
            return  # "These are considered not medically necessary": the list above's status
        status = find_status(text)
        if status is None and self.head is not None and not self.head_used and (
            len(text.split()) <= INHERIT_MAX_WORDS or text.endswith(":")
        ):
            status = self.head.status  # the first statement under a status heading
        if status is not None:
            self.head_used = True
            self._new(status, unit)
            return
        if self.open is not None and self._first_under_lead_in(unit, text):
            unit.kind, unit.form = "item", "indent"  # the lead-in's list opens with prose
            _attach(self.open, unit)
            return
        if self.open is not None:
            self.suspended, self.open = self.open, None

    def _first_under_lead_in(self, unit: Unit, text: str) -> bool:
        """A short paragraph right under a statement that ends with a colon, before any item
        ("The following is considered medically necessary:" / "Widget testing for members
        with:" / "i. ..."): the first entry of the statement's list."""
        b = self.open
        if b is None or b.order or not _unit_text(b.statement).rstrip().endswith(":"):
            return False
        return text.rstrip().endswith(":") or len(text.split()) <= 40

    def _item(self, unit: Unit, text: str) -> None:
        if self.open is not None and not self._is_statement_sibling(unit, text):
            earlier = self._resumable(unit) if not self.open.order else None
            if earlier is None:
                _attach(self.open, unit)
                return
            self.open = earlier
            _attach(earlier, unit)
            return
        earlier = self._resumable(unit)
        if earlier is not None:
            self.open, self.suspended = earlier, None
            _attach(earlier, unit)
            return
        status = find_status(text) if unit.label is not None or unit.form != "indent" else None
        head = self.head if self.head is not None and not self.head_used else None
        if head is not None and (status is None or status == head.status):
            self.head_used = True
            b = self._new(head.status or "", head)
            _attach(b, unit)
            return
        if status is None and unit.label is not None and self.statement_last is not None and (
            self._is_statement_sibling(unit, text)
        ):
            # the next numbered statement without a status phrase of its own ("B. Gene
            # testing:" over a list of exclusions) keeps the status of the one before
            status = self.blocks[-1].status if self.blocks else None
        if status is not None and unit.label is not None:
            # a numbered statement: a block of its own whose label is not part of node paths
            if self.statement_last is None or not self._is_statement_sibling(unit, text):
                self.statement_style = _style(unit, [])
            self.statement_last = unit
            self.head_used = True
            self._new(status, unit)
            return
        self.suspended = self.open or self.suspended
        self.open = None

    def _resumable(self, unit: Unit) -> _Block | None:
        """The latest block since the last heading whose top list this item continues."""
        if unit.label is None or _is_first_label(unit.label):
            return None
        for b in reversed(self.blocks[self.scope_start:]):
            if _resumes(b, unit):
                return b
        return None

    def _is_statement_sibling(self, unit: Unit, text: str) -> bool:
        """In a run of numbered statements, the next statement opens the next block."""
        prev, style = self.statement_last, self.statement_style
        if style is None or prev is None or prev.label is None or unit.label is None:
            return False
        if _style_after(unit, prev.label, style) != style:
            return False
        if not _successor(prev.label, unit.label, style):
            return False
        return prev.x0 is None or unit.x0 is None or abs(prev.x0 - unit.x0) <= SIBLING_TOL


# --- text and output -------------------------------------------------------------------------


def _textmap(lines: list[Line]) -> TextMap:
    seps: list[str] = []
    for prev in lines[:-1]:
        p = prev.text.rstrip()
        hyphen = p.endswith("-") and len(p) > 1 and p[-2].isalpha()
        seps.append("" if hyphen else " ")
    return TextMap(lines, seps)


def _unit_text(unit: Unit) -> str:
    return unit.textmap().text


def _item_text(unit: Unit) -> tuple[str, tuple[int, int], str | None]:
    """(text without label and connector, source span, trailing connector)."""
    tm = unit.textmap()
    text = tm.text
    start = 0
    lead = len(text) - len(_EDGE.sub("", text, count=1)) if _EDGE.match(text) else 0
    start = lead
    if unit.kind == "item" and unit.form != "indent":
        lab = _label(text[lead:])
        if lab is not None:
            start = lead + lab[2]
    end = _rstrip_len(text)
    connector = unit.connector
    m = _CONNECTOR_TAIL.search(text, start, end) if _may_end_with_connector(
        text[start:end]) else None
    if m is not None and m.start() >= start:
        connector = connector or (m.group(1) or m.group(2)).lower()
        end = m.start()
    body = text[start:end]
    sep = _SEPARATOR_TAIL.search(body) if _may_end_with_separator(body) else None
    if sep is not None:
        if connector is None and body.rstrip().endswith(";"):
            connector = ";"
        end = start + sep.start()
    while start < end and text[start].isspace():
        start += 1
    return text[start:end], tm.source_span(start, end), connector


def _connector_op(words: list[str]) -> str | None:
    table = _rules().connectors
    ops = {table[w] for w in words if w in table}
    if len(ops) == 1:
        return ops.pop()
    return None


def _decide_op(
    ctx: Context, lead: str, conns: list[str], where: tuple[int, int], negative_root: bool,
) -> tuple[str, int | None]:
    """The operator of a list (heuristic 5)."""
    named = lead_in_op(lead)
    table = _rules().connectors
    words = [c for c in conns if c in table]
    by_conn = _connector_op(words)
    if named is not None:
        said = {table[w] for w in words}
        if said and said != {named[0]} and named[0] != "at_least":
            ctx.issue("I_CRITERIA_OP_CONFLICT",
                      f"lead-in says {named[0]!r} but the connectors say {sorted(said)}", where)
        return named
    if words and by_conn is None:
        ctx.issue("I_CRITERIA_MIXED_CONNECTORS",
                  f"connectors {sorted(set(words))} mix in one list", where)
    if negative_root and not _CONDITIONAL.search(lead):
        return ("any", None)  # separately named exclusions each carry the status
    if by_conn is not None:
        return (by_conn, None)
    if not words:
        present = _rules().default_screens.present(lead)
        for op, pat, screen in _rules().defaults:
            if screen.admits(present) and _matches((pat,), lead):
                return (op, None)  # "when the following criteria are met:" over bare items
    return ("any", None)


class _Emitter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # `_item_text` per unit (by id; the blocks keep the units alive): an item's connector
        # is read before its list's operator is decided, its text when its node is emitted
        self._items: dict[int, tuple[str, tuple[int, int], str | None]] = {}

    def item_text(self, unit: Unit) -> tuple[str, tuple[int, int], str | None]:
        got = self._items.get(id(unit))
        if got is None:
            got = self._items[id(unit)] = _item_text(unit)
        return got

    def prepare_connectors(self, b: _Block) -> None:
        """Trailing connectors are read before operators are decided (children are emitted
        first, but a parent's list needs the connector of its children's last descendants)."""
        for n in b.order:
            assert n.unit is not None
            n.connector = self.item_text(n.unit)[2]

    def block(self, b: _Block) -> CriteriaBlock:
        self.prepare_connectors(b)
        st = b.statement
        if st.kind == "item":
            text, span, _ = self.item_text(st)
        else:
            tm = st.textmap()
            text = tm.text.strip()
            span = tm.source_span(0, len(tm.text))
        nxt = self._next_map(b)
        children = [self.node(c, nxt) for c in b.root.children]
        root = CriteriaNode(label=None, text=text, span=span, page=st.first.page)
        end = span[1]
        if children:
            conns = self._conns(b.root, nxt)
            negative = b.status != "medically_necessary"
            op, minimum = _decide_op(self.ctx, text, conns, span, negative)
            root.op, root.min, root.children = op, minimum, children  # type: ignore[assignment]
            end = max(end, _last_end(children))
        return CriteriaBlock(
            status=b.status, statement=text, span=(span[0], max(span[1], end)),
            page=st.first.page, section=st.section, logic=root,
        )

    def _next_map(self, b: _Block) -> dict[int, _Node]:
        return {id(a): nb for a, nb in zip(b.order, b.order[1:], strict=False)}

    def _conns(self, parent: _Node, nxt: dict[int, _Node]) -> list[str]:
        """Connectors between this list's items: each child's own trailing connector, or the
        one after the last item of its nested lists when the next item is its sibling."""
        out: list[str] = []
        kids = parent.children
        for k, child in enumerate(kids):
            if k == len(kids) - 1:
                break
            c = self._connector_before(child, kids[k + 1], nxt)
            if c:
                out.append(c)
        return out

    def _connector_before(self, child: _Node, sibling: _Node, nxt: dict[int, _Node]) -> str | None:
        # the item right before `sibling` in document order is the last descendant of child
        last = child
        while last.children:
            last = last.children[-1]
        if nxt.get(id(last)) is not sibling:
            return None
        return last.connector

    def node(self, n: _Node, nxt: dict[int, _Node]) -> CriteriaNode:
        assert n.unit is not None
        text, span, conn = self.item_text(n.unit)
        n.connector = conn
        kids = [self.node(c, nxt) for c in n.children]
        out = CriteriaNode(label=n.label, text=text, span=span, page=n.unit.first.page)
        if kids:
            conns = self._conns(n, nxt)
            op, minimum = _decide_op(self.ctx, text, conns, span, False)
            out.op, out.min, out.children = op, minimum, kids  # type: ignore[assignment]
        return out


def _last_end(nodes: list[CriteriaNode]) -> int:
    end = 0
    for n in nodes:
        end = max(end, n.span[1], _last_end(n.children))
    return end


def _assemble(entries: list[_Entry], inside: list[bool]) -> _Assembler:
    picked = [e for e, ok in zip(entries, inside, strict=True) if ok]
    asm = _Assembler()
    if picked:
        for u in _UnitBuilder([e.line for e in picked]).build(picked):
            asm.feed(u)
    return asm


def extract(ctx: Context) -> list[CriteriaBlock]:
    entries = _stream(ctx)
    if not entries:
        return []
    # (a body line opening with a letter or digit that is neither a capital nor a digit is no
    # heading: `_heading_kind` would say so after stripping the line, which such a character
    # does not start; most wrapped lines open in lower case)
    kinds = [
        _heading_kind(e) if e.heading or not (c := e.line.text[:1]).isalnum() or c.isupper()
        or c.isdigit() else None
        for e in entries
    ]
    asm = _assemble(entries, _region(kinds))
    if not asm.blocks:
        asm = _assemble(entries, _region(kinds, permissive=True))
    emitter = _Emitter(ctx)
    out: list[CriteriaBlock] = []
    for b in asm.blocks:
        out.append(emitter.block(b))
    return out
