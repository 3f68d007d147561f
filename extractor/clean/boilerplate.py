"""Boilerplate removal: RawDocument -> Cleaned (kept lines + removed stretches with rule ids).

The cascade, applied to whole visual lines (furniture always occupies whole lines, even where a
page break drops it into the middle of a sentence or a code table):
  1. line rules: a whole line matches a furniture pattern (page numbers, print stamps, URLs);
  2. notice vocabulary: a line whose word trigrams mostly come from a known legal notice, so a
     fragment of a notice (cut by a page break or by the start of the file) is still found;
  3. notice anchors: the paragraph that opens with a notice's stable first words, to its end;
  4. repetition: lines at page edges that recur, digits folded, on most pages;
  5. sandwiches: a short title-like line between removed lines of one page break (the running
     title under a running header), unless it is a known section heading.
Every line removed is recorded; every other non-blank line is kept, so kept + removed text
accounts for all of the input.

Speed, with the results of trying every rule on every line: the lines are folded and cut into
words in batches, and each rule's exact test runs only on the lines a cheap test lets through
(prefix gates for rules 1 and 3, a vocabulary bound for rule 2); the main loop skips the lines
none of them may take, outside a notice paragraph.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, repeat
from operator import ge, or_

import regex

from extractor.document import Line, RawDocument
from extractor.models.contract import Removed
from extractor.rules import compile_all, load
from extractor.segment.paragraphs import CODE_ROW, LIST_LABEL
from extractor.textutil import WORD as _WORD
from extractor.textutil import PrefixGate, clean_space, fold_lines, limit, words

_DIGITS = re.compile(r"\d+")
# lines of up to this many words look their bound up (longer ones compute it)
_NEEDED_UP_TO = 128
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?$")
# ASCII letters and digits kept (`WORD` on ASCII text), and line feeds; any other byte a space
_ASCII_WORD_BYTES = bytes(
    c if (c < 128 and chr(c).isalnum()) or c == 10 else 32 for c in range(256)
)


@dataclass(slots=True)
class Cleaned:
    kept: list[Line]
    removed: list[Removed]
    reasons: dict[int, str] = field(default_factory=dict)  # line index -> rule id


@dataclass(frozen=True, slots=True)
class _Rules:
    lines: regex.Pattern[str]  # all line rules as one alternation of named groups
    line_ids: dict[str, str]  # group name -> rule id
    anchors: regex.Pattern[str]
    anchor_ids: dict[str, str]
    shingles: dict[tuple[str, ...], str]
    vocabulary: frozenset[str]  # every word of the notices
    vocabulary_needed: tuple[int, ...]  # by a line's word count (`_vocabulary_needed`)
    notice_text: dict[str, str]  # id -> folded word string, for short-fragment checks
    n: int
    min_share: float
    min_words: int
    rep_share: float
    rep_pages: int
    edge: int
    # may a line rule / an anchor match a line, judged from its first characters: most lines
    # are not tried at all (one alternation of every rule costs ~1 us a line)
    line_gate: PrefixGate
    anchor_gate: PrefixGate


@cache
def _rules() -> _Rules:
    data = load("boilerplate")
    lines = compile_all("boilerplate.line", data.get("line", []), allowed={"id", "pattern"})
    anchors = compile_all("boilerplate.anchor", data.get("anchor", []), allowed={"id", "pattern"})
    n = int(data["shingles"]["n"])
    shingles: dict[tuple[str, ...], str] = {}
    notice_text: dict[str, str] = {}
    for item in data.get("notice", []):
        toks = words(item["text"].replace("{PLAN}", " \x00 "))
        notice_text[item["id"]] = " " + " ".join(toks) + " "
        for i in range(len(toks) - n + 1):
            shingles.setdefault(tuple(toks[i : i + n]), item["id"])
    rep = data["repetition"]
    line_pat, line_ids = _alternation(lines)
    anchor_pat, anchor_ids = _alternation(anchors)
    share, min_words = float(data["shingles"]["min_share"]), int(data["shingles"]["min_words"])
    return _Rules(
        line_pat, line_ids, anchor_pat, anchor_ids, shingles,
        frozenset(w for gram in shingles for w in gram),
        tuple(_vocabulary_needed(k, n, min_words, share) for k in range(_NEEDED_UP_TO)),
        notice_text, n, share, min_words, float(rep["min_share"]), int(rep["min_pages"]),
        int(rep["edge_lines"]),
        # the line rules read the line with its spaces folded; a prefix so folded is a prefix
        line_gate=PrefixGate(line_pat, prepare=clean_space),
        anchor_gate=PrefixGate(anchor_pat),
    )


def _alternation(
    rules: list[tuple[str, regex.Pattern[str]]],
) -> tuple[regex.Pattern[str], dict[str, str]]:
    """One pattern for many rules (one scan per line instead of one per rule); the named group
    that matched tells which rule it was, and earlier rules win as they did one by one."""
    names = {f"r{i}": rid for i, (rid, _pat) in enumerate(rules)}
    body = "|".join(f"(?P<r{i}>{pat.pattern})" for i, (_rid, pat) in enumerate(rules))
    return regex.compile(body or "(?!)", regex.I | regex.V1), names


def _line_rule(text: str, rules: _Rules) -> str | None:
    m = rules.lines.fullmatch(clean_space(text), timeout=limit(text, 0.05))
    return rules.line_ids[m.lastgroup] if m and m.lastgroup else None


def _tokens(folded: list[str]) -> list[list[str]]:
    """`WORD.findall` of each folded line. ASCII text is cut by a byte translation (letters
    and digits kept, line feeds too, any other byte a space) and splits, all in C and ~4x
    faster than the scan: the whole document at once when it is ASCII, else line by line."""
    joined = "\n".join(folded)  # folded lines hold no line feed
    if joined.isascii():
        rows = joined.encode().translate(_ASCII_WORD_BYTES).decode().split("\n")
        return list(map(str.split, rows))
    return [
        f.encode().translate(_ASCII_WORD_BYTES).decode().split() if f.isascii()
        else _WORD.findall(f)
        for f in folded
    ]


def _may_be_notices(lines_toks: list[list[str]], rules: _Rules) -> list[bool]:
    """Per line, may `_notice` find a notice? Most lines are ruled out by a bound computed in
    C: a notice's n-gram has all its words in the notices' vocabulary, and v such words make
    at most v - n + 1 n-grams, so a line of k words needs `_vocabulary_needed(k)` of them."""
    lengths = list(map(len, lines_toks))
    table = rules.vocabulary_needed
    if max(lengths, default=0) < len(table):
        need: Iterable[int] = map(table.__getitem__, lengths)
    else:  # a very long line computes its own
        need = [table[k] if k < len(table)
                else _vocabulary_needed(k, rules.n, rules.min_words, rules.min_share)
                for k in lengths]
    # nested maps: the counting runs in C, with no Python step per line
    known = map(sum, map(map, repeat(rules.vocabulary.__contains__), lines_toks))
    return list(map(ge, known, need))


def _vocabulary_needed(k: int, n: int, min_words: int, min_share: float) -> int:
    """The fewest vocabulary words with which a line of k words may pass `_notice` (k + 1:
    none), by the very test `_notice` applies to its count of n-grams: v words make at most
    x = v - n + 1 of them, and x / grams >= min_share must hold (found from its real-number
    solution, then checked in floating point as `_notice` checks it)."""
    if k < max(min_words, n):
        return k + 1
    grams = k - n + 1

    def ok(x: int) -> bool:
        return max(x, 0) / grams >= min_share

    if ok(0):
        return 0
    x = max(math.ceil(min_share * grams), 1)
    while x > 1 and ok(x - 1):
        x -= 1
    while x <= grams and not ok(x):
        x += 1
    return x + n - 1 if x <= grams else k + 1


def _notice(toks: list[str], rules: _Rules) -> str | None:
    n = rules.n
    if len(toks) < rules.min_words or len(toks) < n:
        return None
    grams = len(toks) - n + 1
    grams_in_order = zip(*[toks[j:] for j in range(n)], strict=False)  # word n-grams
    found = list(filter(None, map(rules.shingles.get, grams_in_order)))
    if not found or len(found) / grams < rules.min_share:
        return None
    rid = found[0]
    if found.count(rid) == len(found):  # one notice, as nearly always (no set to build)
        count = len(found)
    else:
        rid, count = Counter(found).most_common(1)[0]
    return rid if count / grams >= rules.min_share else None


def _anchor(folded: str, rules: _Rules) -> str | None:
    m = rules.anchors.match(folded, timeout=limit(folded, 0.05))
    return rules.anchor_ids[m.lastgroup] if m and m.lastgroup else None


def _repeated(raw: RawDocument, rules: _Rules, folded: list[str]) -> dict[int, str]:
    """Lines at page edges whose digit-folded text recurs on most pages."""
    if len(raw.pages) < rules.rep_pages:
        return {}
    by_page: dict[int, list[Line]] = defaultdict(list)
    for line in raw.lines:
        by_page[line.page].append(line)
    seen: dict[str, set[int]] = defaultdict(set)
    edges: list[tuple[Line, str, bool]] = []  # (line, key, in the top half of its page)
    for page, lines in by_page.items():
        for pos, line in enumerate(lines):
            if pos < rules.edge or pos >= len(lines) - rules.edge:
                key = _DIGITS.sub("#", folded[line.index])
                seen[key].add(page)
                edges.append((line, key, pos < len(lines) / 2))
    need = max(rules.rep_pages, rules.rep_share * len(raw.pages))
    out: dict[int, str] = {}
    for line, key, upper in edges:
        if len(seen[key]) >= need and len(key) > 1:
            head = (line.top is None or line.top < 120) and upper
            out[line.index] = "running_header" if head else "running_footer"
    return out


def clean(
    raw: RawDocument,
    is_heading: Callable[[str], bool] = lambda _t: False,
    repetition: bool = True,
) -> Cleaned:
    """`repetition=False` for families without running furniture (IMR letters repeat their
    item lines page after page, which the repetition rule would take for furniture)."""
    rules = _rules()
    lines = raw.lines
    texts = [line.text for line in lines]
    folded = fold_lines(texts)  # once per line: NFKC is not cheap
    # each line's cheap verdicts in batches: may a line rule, an anchor (prefix gates), a
    # notice's shingles (a bound) take it? The exact tests run only where they may.
    may_rule = rules.line_gate.hits(texts)
    may_anchor = rules.anchor_gate.hits(folded)
    toks = _tokens(folded)
    may_notice = _may_be_notices(toks, rules)
    repeated = _repeated(raw, rules, folded) if repetition else {}
    # a line none of these may take is left alone, unless a notice paragraph runs over it
    busy = list(map(or_, map(or_, may_rule, may_anchor), may_notice))  # in C, no tuples
    for i in repeated:
        busy[i] = True
    reason: dict[int, str] = {}
    margins: tuple[dict[int, float], float] | None = None  # (PDF per page, text), on demand

    # 1-4: per-line rules, page-edge repetition, then anchored notice paragraphs
    in_notice: str | None = None
    block_right = 0.0  # right edge of the notice paragraph being removed (PDF)
    for line in lines:
        i = line.index
        if not (busy[i] or in_notice):
            continue
        rule = _line_rule(line.text, rules) if may_rule[i] else None
        rid = rule or repeated.get(i)
        if rid:
            reason[i] = rid  # furniture inside a notice does not end the notice
            continue
        start = _anchor(folded[i], rules) if may_anchor[i] else None
        if start and not in_notice:
            in_notice, block_right = start, 0.0
        rid = in_notice or (_notice(toks[i], rules) if may_notice[i] else None)
        if rid:
            reason[i] = rid
        if in_notice:
            if margins is None:
                margins = _right_margins(raw), _text_margin(texts)
            edge = block_right or margins[0].get(line.page, 0.0) or margins[1]
            if not _continues(lines, i, reason, edge, is_heading):
                in_notice = None
            block_right = max(block_right, line.x1 or float(len(line.text)))

    # 2b: short fragments (fewer words than a trigram) next to a removed notice line
    for i in compress(range(len(toks)), map(range(1, rules.n).__contains__, map(len, toks))):
        if i not in reason and _next_to_removed(lines, i, reason):
            phrase = " " + " ".join(toks[i]) + " "
            for rid, text in rules.notice_text.items():
                if phrase in text:
                    reason[i] = rid
                    break

    # 5: short title-like lines sandwiched between removed lines (the loop adds lines only
    # after the next one: a line is a candidate when the line after it was removed before)
    for i in sorted({k - 1 for k in reason}):
        if i in reason or i <= 0 or i == len(lines) - 1:
            continue
        line = lines[i]
        if (
            i - 1 in reason
            and i + 1 in reason
            and lines[i - 1].page == lines[i + 1].page
            and len(line.text.split()) <= 8
            and not _SENTENCE_END.search(line.text)
            and not is_heading(line.text)
        ):
            reason[i] = "running_title"

    kept = [ln for ln in lines if ln.index not in reason]
    return Cleaned(kept, _stretches(raw, reason), reason)


def _text_margin(texts: list[str]) -> float:
    """Text input: the typical length of a full line, in characters (80th percentile)."""
    lengths = sorted(map(len, texts))
    return float(lengths[int(len(lengths) * 0.8)]) if lengths else 0.0


def _right_margins(raw: RawDocument) -> dict[int, float]:
    """PDF: the right edge of the text on each page."""
    out: dict[int, float] = {}
    for line in raw.lines:
        if line.x1 is not None:
            out[line.page] = max(out.get(line.page, 0.0), line.x1)
    return out


def _continues(
    lines: list[Line],
    i: int,
    reason: dict[int, str],
    edge: float,
    is_heading: Callable[[str], bool],
) -> bool:
    """Does the paragraph of line i go on past its end (skipping removed furniture)?

    It does when the next kept line starts in lower case; otherwise when line i was wrapped:
    it reaches the paragraph's right edge (PDF: x1 in points; text: length in characters),
    unless the next line is a heading, a list item or a code row.
    """
    j = i + 1
    while j < len(lines) and j in reason:
        j += 1
    if j >= len(lines):
        return False
    nxt = lines[j].text
    if nxt[:1].islower():
        return True
    line = lines[i]
    wrapped = line.x1 >= edge - 12 if line.x1 is not None else len(line.text) >= 0.85 * edge
    # the costlier tests only where they can change the answer
    return wrapped and not (is_heading(nxt) or LIST_LABEL.match(nxt) or CODE_ROW.match(nxt))


def _next_to_removed(lines: list[Line], i: int, reason: dict[int, str]) -> bool:
    return (i - 1 in reason) or (i + 1 in reason)


def _stretches(raw: RawDocument, reason: dict[int, str]) -> list[Removed]:
    """Consecutive removed lines with the same rule and page become one stretch (each built
    once, from its first and last line)."""
    out: list[Removed] = []
    first: Line | None = None
    last: Line | None = None
    for i in sorted(reason):
        line = raw.lines[i]
        if (
            first is not None
            and last is not None
            and last.index == i - 1
            and reason[first.index] == reason[i]
            and last.page == line.page
        ):
            last = line
            continue
        if first is not None and last is not None:
            out.append(_stretch(raw, first, last, reason[first.index]))
        first = last = line
    if first is not None and last is not None:
        out.append(_stretch(raw, first, last, reason[first.index]))
    return out


def _stretch(raw: RawDocument, first: Line, last: Line, rid: str) -> Removed:
    text = first.text if first is last else raw.text[first.start : last.end]
    return Removed(span=(first.start, last.end), page=first.page, reason=rid, text=text)
