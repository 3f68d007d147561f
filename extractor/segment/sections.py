"""Section segmentation: kept lines -> a tree of sections with canonical kinds.

  1. Top-level headings come from the heading vocabulary (rules/sections.toml), a leading
     number and trailing colon ignored.
  2. In PDFs, the type (size, weight) most recognised headings share is the heading style: a
     vocabulary line set in body type is not a heading (tables of contents, running prose), and
     a short line in heading style that the vocabulary does not know opens an `other` section.
  3. Inside a section, subheadings open nested sections: the `*_sub` vocabulary anywhere, and
     in narrative sections short title-like lines (bold in PDFs; in text, a short capitalised
     line between a finished sentence and a new paragraph).
  4. Text before the first heading is the document's front matter (title block; for IMR
     letters, the header fields).
Because furniture was removed before this stage, a section broken by a page break continues
seamlessly.
"""

from __future__ import annotations

import string
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import regex

from extractor.document import Line
from extractor.rules import load
from extractor.segment.paragraphs import ends_sentence, is_double_spaced, opens_item, text_map
from extractor.textmap import TextMap
from extractor.textutil import fold, limit, more_words, split_alternatives

_NUMBERING = regex.compile(r"^(?:[IVX]{1,5}|\d{1,2}|[A-Z])[.)]\s+")
_TRAILING = regex.compile(r"(?:\s+(?:back to )?top)?[\s:\-–]+$|\s+(?:back to )?top$", regex.I)
_LEADER = regex.compile(r"\s*(?:\.\s*){3,}\s*\d*$|\s+\d{1,3}$")
# narrative kinds where untitled subheadings are looked for
_NARRATIVE = {"description", "clinical_indications", "discussion", "background", "other",
              "summary_for_members", "case_summary"}
MAX_HEADING_WORDS = 12


def _may_end_leader(text: str) -> bool:
    """Can _LEADER match `text` (single-spaced, so its only white space is " ")? It matches
    where the text ends in dots and spaces holding three dots or more, then digits, or in a
    space and one to three digits. A non-ASCII character may be a digit the regex module
    knows: then the answer is yes."""
    last = text[-1:]
    if last.isascii() and last not in "0123456789.":  # most lines end in a letter
        return False
    body = text.rstrip("0123456789")
    digits = len(text) - len(body)
    if not body[-1:].isascii():
        return True
    if digits and digits <= 3 and body.endswith(" "):
        return True
    return body[len(body.rstrip(". ")):].count(".") >= 3


_ALNUM = string.ascii_letters + string.digits


def _lead(text: str) -> str:
    """The leading run of ASCII letters and digits."""
    return text[: len(text) - len(text.lstrip(_ALNUM))]


def _is_number_label(word: str) -> bool:
    """Would _NUMBERING take `word` (ASCII letters and digits) for a label?"""
    return (
        (0 < len(word) <= 5 and not word.strip("IVX"))
        or (0 < len(word) <= 2 and word.isdigit())
        or (len(word) == 1 and "A" <= word <= "Z")
    )


@dataclass(slots=True)
class SectionNode:
    id: int
    kind: str
    heading: str | None
    heading_line: Line | None
    level: int
    parent: int | None
    lines: list[Line] = field(default_factory=list)
    _map: TextMap | None = None
    double_spaced: bool = False

    @property
    def textmap(self) -> TextMap:
        if self._map is None:
            self._map = text_map(self.lines, self.double_spaced)
        return self._map

    @property
    def text(self) -> str:
        return self.textmap.text

    @property
    def span(self) -> tuple[int, int]:
        first = self.heading_line or (self.lines[0] if self.lines else None)
        last = self.lines[-1] if self.lines else self.heading_line
        if first is None or last is None:
            return (0, 0)
        return (first.start, last.end)


_MEMO_MAX = 4096  # texts remembered per lexicon (a page or two of lines; then it starts over)
_UNSEEN = "\0unseen"  # a memo's "not there" (None is a value)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A family's heading vocabulary. A line's key is its text with a number label, a dotted
    leader and a trailing colon taken off, folded; the key decides. Segmentation, cleaning and
    the extractors ask about most lines of a document, and few are headings: `may_head` turns
    most away from their leading word, and the key's strips run only where they can match."""

    headings: dict[str, str]  # folded heading -> kind
    patterns: list[tuple[regex.Pattern[str], str, str]]  # (pattern, its literal prefix, kind)
    sub: frozenset[str]
    # leading words (see _lead) of the headings and subheadings, and of the patterns' literal
    # prefixes: a line whose key starts otherwise is neither (None: no such test)
    leads: frozenset[str] | None = None
    pattern_leads: tuple[str, ...] = ()
    # key and top of recent texts: cleaning and segmentation ask about each line several times
    _keys: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _tops: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def key(self, text: str) -> str:
        k = self._keys.get(text)
        if k is None:
            if len(self._keys) >= _MEMO_MAX:
                self._keys.clear()
            k = self._keys[text] = self._key(text)
        return k

    def _key(self, text: str) -> str:
        if len(text) > 200:  # no heading is this long: skip strips quadratic in long runs
            return fold(text)
        # Each strip below runs only where its pattern can match (most lines end in a letter
        # and start without a label): a regex search tries every position of the line.
        text = " ".join(text.split())
        if _may_end_leader(text):  # "Coding ........ 9" in a table of contents
            text = _LEADER.sub("", text)
        if ". " in text[:7] or ") " in text[:7]:  # _NUMBERING's "." or ")" is by the 6th character
            text = _NUMBERING.sub("", text)
        # fold: single-spaced ASCII (the strips leave no space at either end) only lowers
        k = text.lower() if text.isascii() else fold(text)
        # _TRAILING ends in ":", "-" ("–" folds to it) or "top"; folded text ends in no white space
        last = k[-1:]
        if last not in ":-p" and last.isascii():
            return k
        # A match is a run of " :-–" at the end, led by at most " back to top" (12 characters,
        # folded text has single spaces): searched from there, not tried at every position.
        m = _TRAILING.search(k, max(0, len(k.rstrip(" :-–")) - 12))
        return k[: m.start()] if m else k

    def top(self, text: str, key: str | None = None) -> str | None:
        """The kind of top-level heading `text` is, if any; `key`: its key, where known."""
        kind = self._tops.get(text, _UNSEEN)  # not try/except: most lookups miss once
        if kind is not _UNSEEN:
            return kind
        if len(self._tops) >= _MEMO_MAX:
            self._tops.clear()
        kind = self._tops[text] = self._top(text, key)
        return kind

    def may_head(self, text: str) -> bool:
        """False where `text` is surely neither heading nor subheading. Cheaper than the key,
        and most lines start with a word no heading starts with: in ASCII text, the key starts
        with the text's leading word (letters and digits, in lower case), or with the next word
        where _NUMBERING strips the first ("1.", "IV)"), or the strips leave nothing."""
        if self.leads is None or not text.isascii():
            return True
        s = text.lstrip()
        rest = s.lstrip(_ALNUM)
        lead = s[: len(s) - len(rest)]
        if self._may_lead(lead):
            return True
        if rest[:1] in (".", ")") and rest[1:2].isspace() and _is_number_label(lead):
            return self._may_lead(_lead(rest[1:].lstrip()))
        return False

    def _may_lead(self, word: str) -> bool:
        word = word.lower()
        leads = self.leads
        return leads is None or word in leads or word.startswith(self.pattern_leads)

    def _top(self, text: str, key: str | None) -> str | None:
        if (
            text.endswith((".", ",", ";"))
            or more_words(text, MAX_HEADING_WORDS)
            or (key is None and not self.may_head(text))
        ):
            return None
        k = self.key(text) if key is None else key
        kind = self.headings.get(k)
        if kind:
            return kind
        for pat, prefix, pkind in self.patterns:
            # a key (lower case) that lacks the pattern's leading words is not tried; a
            # non-ASCII one is (case-insensitive matching knows more equivalent characters)
            if (k.startswith(prefix) or not k.isascii()) and pat.fullmatch(
                k, timeout=limit(k, 0.05)
            ):
                return pkind
        if "/" in k:  # "Description/Scope", "Description/Background": the first part decides
            return self.headings.get(k.split("/")[0].strip())
        return None

    def is_sub(self, text: str) -> bool:
        return (
            not more_words(text, MAX_HEADING_WORDS)
            and self.may_head(text)
            and self.key(text) in self.sub
        )

    def is_heading(self, text: str) -> bool:
        return self.top(text) is not None or self.is_sub(text)


def _literal_prefix(src: str) -> str:
    """Letters, digits and spaces every match of the pattern `src` starts with ("" when it
    has alternatives at its top level)."""
    if len(split_alternatives(src)) > 1:
        return ""
    n = 0
    while n < len(src) and (src[n].isascii() and src[n].isalnum() or src[n] == " "):
        n += 1
    if src[n : n + 1] in ("?", "*", "{"):  # the last one is optional
        n -= 1
    return src[: max(n, 0)]


@cache
def lexicon(family: str) -> Lexicon:
    data = load("sections")
    headings: dict[str, str] = {}
    patterns: list[tuple[regex.Pattern[str], str, str]] = []
    for kind, spec in data[family].items():
        for h in spec.get("headings", []):
            headings.setdefault(fold(h), kind)
        for p in spec.get("patterns", []):
            patterns.append((regex.compile(p, regex.I), _literal_prefix(p).lower(), kind))
    sub = frozenset(fold(h) for h in data.get(f"{family}_sub", {}).get("headings", []))
    # an empty heading would be the key of a line that strips to nothing: no leading word then
    leads = (None if "" in headings or "" in sub
             else frozenset(_lead(h) for h in [*headings, *sub]))
    return Lexicon(headings, patterns, sub, leads, tuple(_lead(p) for _, p, _ in patterns))


def _style(line: Line) -> tuple[float, bool] | None:
    return (line.size, line.bold) if line.size is not None else None


def _stands_out(style: tuple[float, bool], body: tuple[float, bool] | None) -> bool:
    """Heading type is larger than body type, or bold where the body is not."""
    return body is None or style[0] > body[0] + 0.5 or (style[1] and not body[1])


def _heading_style(
    styles: list[tuple[float, bool] | None], heads: list[int], body: tuple[float, bool] | None
) -> tuple[float, bool] | None:
    """The type most vocabulary headings (`heads`: their indices) share (ties: the larger),
    among types that stand out."""
    counted = Counter(s for i in heads if (s := styles[i]) and _stands_out(s, body))
    if not counted:
        return None
    return max(counted.items(), key=lambda kv: (kv[1], kv[0][0]))[0]


def _same_style(line: Line, style: tuple[float, bool]) -> bool:
    return line.size is not None and abs(line.size - style[0]) <= 0.6 and line.bold == style[1]


def _unknown_headings_plausible(
    lines: list[Line], tops: list[str | None], style: tuple[float, bool] | None
) -> bool:
    """Lines in heading type that the vocabulary does not know are headings only while they
    are not far more common than known ones (else the type also sets table cells, labels...)."""
    if style is None:
        return False
    known = unknown = 0
    for ln, kind in zip(lines, tops, strict=True):
        if _same_style(ln, style):
            if kind:
                known += 1
            elif _looks_like_title(ln.text):
                unknown += 1
    return unknown <= 2 * known + 4


def _numbered_headings(
    lines: list[Line], heads: list[int], style: tuple[float, bool] | None
) -> bool:
    """Most recognised headings in the heading type carry a number ("IV. RATIONALE")."""
    if style is None:
        return False
    same = [lines[i] for i in heads if _same_style(lines[i], style)]
    with_number = sum(1 for ln in same if _NUMBERING.match(ln.text))
    return len(same) >= 3 and with_number >= 0.6 * len(same)


def _looks_like_title(text: str) -> bool:
    # cheapest tests first: most lines fail the first or second
    return (
        text[:1].isupper()
        and not more_words(text, MAX_HEADING_WORDS)
        and not ends_sentence(text)
        and not text.endswith((",", ";"))
        and any(ch.isalpha() for ch in text)
        and not opens_item(text)
    )


def segment(lines: list[Line], family: str) -> tuple[list[Line], list[SectionNode]]:
    """Kept lines -> (front matter lines, sections in document order)."""
    lex = lexicon(family)
    double = is_double_spaced(lines)
    # Each line's facts are read once here, for all the passes below: a line of more than
    # MAX_HEADING_WORDS words is neither a heading nor a subheading (most lines of a document)
    short = [not more_words(ln.text, MAX_HEADING_WORDS) for ln in lines]
    keys = [lex.key(ln.text) if sh and lex.may_head(ln.text) else None
            for ln, sh in zip(lines, short, strict=True)]
    tops = [None if k is None else lex.top(ln.text, k) for ln, k in zip(lines, keys, strict=True)]
    # Lexicon.is_sub and is_heading, from the facts above
    subs = [k is not None and k in lex.sub for k in keys]
    heads = [i for i, kind in enumerate(tops) if kind]  # vocabulary headings
    styles = [_style(ln) for ln in lines]
    body_styles = Counter(s for s in styles if s)
    body = body_styles.most_common(1)[0][0] if body_styles else None
    style = _heading_style(styles, heads, body)
    front: list[Line] = []
    sections: list[SectionNode] = []
    top: SectionNode | None = None
    toc: set[str] | None = None  # inside a table of contents: the entries seen so far
    toc_page = 0
    right = max((ln.x1 for ln in lines if ln.x1 is not None), default=None)
    numbered = _numbered_headings(lines, heads, style)
    # IMR letters set their disputed items in heading type: there, unknown lines are not headings
    others_ok = family != "imr" and _unknown_headings_plausible(lines, tops, style)
    # a heading that recurs ("Rationale" under every topic) labels subsections
    counts = Counter(keys[i] for i in heads if (st := styles[i]) is None or _stands_out(st, body))
    recurring = {k for k, n in counts.items() if n >= 3}

    def open_section(kind: str, line: Line, level: int, parent: int | None) -> SectionNode:
        node = SectionNode(len(sections), kind, line.text.rstrip(": "), line, level, parent,
                           double_spaced=double)
        sections.append(node)
        return node

    current: SectionNode | None = None
    for i, line in enumerate(lines):
        kind = tops[i]
        line_style = styles[i]
        if kind and line_style is not None and not _stands_out(line_style, body):
            kind = None  # vocabulary word in body type: a table of contents entry or prose
        if (
            kind
            and style is not None
            and line_style is not None
            and line_style != style
            and line_style[0] <= style[0] + 0.5
            and top is not None
        ):
            kind = None  # in smaller type than the document's headings: a subheading
        if (
            kind is None
            and others_ok
            and style is not None
            and _same_style(line, style)
            and _looks_like_title(line.text)
            and top is not None
        ):
            kind = "other"
        if kind and top is not None and keys[i] in recurring:
            kind = None
        if kind and numbered and not _NUMBERING.match(line.text):
            kind = None  # where headings are numbered (I., II.), an unnumbered one is nested
        if kind and right is not None and line.x0 is not None and line.x1 is not None:
            centred = abs((line.x0 + line.x1) - right) < 0.1 * right
            if line.x0 > 0.45 * right and not centred:
                kind = None  # the right column of a two-column block (a table of contents)
        if toc is not None:
            # a table of contents lists headings: only one listed before opens a section
            key = keys[i]
            if key is None:
                key = lex.key(line.text)
            if kind is not None and (key in toc or line.page >= toc_page + 2):
                toc = None
            else:
                toc.add(key)
                kind = None
        if kind and keys[i] == "table of contents":
            toc, toc_page = set(), line.page  # not a section: its lines stay where they are
        elif kind:
            top = current = open_section(kind, line, 1, None)
            continue
        # a long line is no subheading
        if top is not None and short[i] and (subs[i] or _is_subheading(
            line, lines[i - 1] if i else None, lines[i + 1] if i + 1 < len(lines) else None,
            i + 1 < len(lines) and (tops[i + 1] is not None or subs[i + 1]),
            top, style, body,
        )):
            current = open_section(top.kind, line, 2, top.id)
            continue
        if current is None:
            front.append(line)
        else:
            current.lines.append(line)
    if family == "imr" and front:
        # a letter's opening block holds its header fields: a section of its own
        header = SectionNode(0, "header", None, None, 1, None, front, double_spaced=double)
        for node in sections:
            node.id += 1
            node.parent = None if node.parent is None else node.parent + 1
        return [], [header, *sections]
    return front, sections


def _is_subheading(
    line: Line,
    prev: Line | None,
    nxt: Line | None,
    nxt_heading: bool,
    top: SectionNode,
    style: tuple[float, bool] | None,
    body: tuple[float, bool] | None,
) -> bool:
    """An untitled subheading (the `*_sub` vocabulary is read by the caller)."""
    if top.kind not in _NARRATIVE or nxt is None or not _looks_like_title(line.text):
        return False
    if prev is not None and prev.text.endswith(":"):
        return False  # the line completes a lead-in ("see the following document:")
    if line.size is not None:  # PDF: a line in type that stands out, followed by body text
        line_style = _style(line)
        return (
            line_style is not None
            and _stands_out(line_style, body)
            and _style(nxt) != line_style
            and len(line.text.split()) <= 10
            and (style is None or not _same_style(line, style))
        )
    # text: a short line after a finished sentence, before a new capitalised paragraph
    return (
        len(line.text.split()) <= 6
        and prev is not None
        and ends_sentence(prev.text)
        and nxt.text[:1].isupper()
        and len(nxt.text) > 40
        and not nxt_heading
    )
