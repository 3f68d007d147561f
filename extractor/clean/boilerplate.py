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
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import regex

from extractor.document import Line, RawDocument
from extractor.models.contract import Removed
from extractor.rules import compile_all, load
from extractor.segment.paragraphs import CODE_ROW, LIST_LABEL
from extractor.textutil import WORD as _WORD
from extractor.textutil import clean_space, fold, joined_gate, limit, line_start_hits, words

_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?$")


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
    notice_text: dict[str, str]  # id -> folded word string, for short-fragment checks
    n: int
    min_share: float
    min_words: int
    rep_share: float
    rep_pages: int
    edge: int
    # the line rules' and anchors' alternations for one scan of all lines (textutil's joined
    # gates): lines where they do not match from the start are not tried one by one
    lines_joined: regex.Pattern[str] | None = None
    anchors_joined: regex.Pattern[str] | None = None


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
    return _Rules(
        line_pat, line_ids, anchor_pat, anchor_ids, shingles, notice_text, n,
        float(data["shingles"]["min_share"]),
        int(data["shingles"]["min_words"]), float(rep["min_share"]), int(rep["min_pages"]),
        int(rep["edge_lines"]),
        lines_joined=joined_gate([p.pattern for _rid, p in lines], head="^"),
        anchors_joined=joined_gate([p.pattern for _rid, p in anchors], head="^"),
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


def _notice(toks: list[str], rules: _Rules) -> str | None:
    if len(toks) < rules.min_words:
        return None
    n = rules.n
    if len(toks) < n:
        return None
    shingles = rules.shingles
    grams = list(zip(*(toks[j:] for j in range(n)), strict=False))  # word n-grams, in order
    found = [rid for g in grams if (rid := shingles.get(g)) is not None]
    if not found:
        return None
    rid, count = Counter(found).most_common(1)[0]
    return rid if count / len(grams) >= rules.min_share else None


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
    edges: list[tuple[Line, str]] = []
    for page, lines in by_page.items():
        for pos, line in enumerate(lines):
            if pos < rules.edge or pos >= len(lines) - rules.edge:
                key = _DIGITS.sub("#", folded[line.index])
                seen[key].add(page)
                edges.append((line, key))
    need = max(rules.rep_pages, rules.rep_share * len(raw.pages))
    out: dict[int, str] = {}
    for line, key in edges:
        if len(seen[key]) >= need and len(key) > 1:
            top = line.top is None or line.top < 120
            head = top and _is_top(line, by_page)
            out[line.index] = "running_header" if head else "running_footer"
    return out


def _is_top(line: Line, by_page: dict[int, list[Line]]) -> bool:
    lines = by_page[line.page]
    return lines.index(line) < len(lines) / 2


def clean(
    raw: RawDocument,
    is_heading: Callable[[str], bool] = lambda _t: False,
    repetition: bool = True,
) -> Cleaned:
    """`repetition=False` for families without running furniture (IMR letters repeat their
    item lines page after page, which the repetition rule would take for furniture)."""
    rules = _rules()
    lines = raw.lines
    folded = [fold(line.text) for line in lines]  # once per line: NFKC is not cheap
    # lines where a line rule or an anchor may match, from one scan each (None: try all)
    may_rule = line_start_hits(rules.lines_joined, [clean_space(ln.text) for ln in lines]) \
        if rules.lines_joined is not None else None
    may_anchor = line_start_hits(rules.anchors_joined, folded) \
        if rules.anchors_joined is not None else None
    toks = [_WORD.findall(f) for f in folded]
    repeated = _repeated(raw, rules, folded) if repetition else {}
    right = _right_margins(raw)
    margin = _text_margin(lines)
    reason: dict[int, str] = {}

    # 1-4: per-line rules, page-edge repetition, then anchored notice paragraphs
    in_notice: str | None = None
    block_right = 0.0  # right edge of the notice paragraph being removed (PDF)
    for line in lines:
        i = line.index
        rule = _line_rule(line.text, rules) if may_rule is None or may_rule[i] else None
        rid = rule or repeated.get(i)
        if rid:
            reason[i] = rid  # furniture inside a notice does not end the notice
            continue
        start = _anchor(folded[i], rules) if may_anchor is None or may_anchor[i] else None
        if start and not in_notice:
            in_notice, block_right = start, 0.0
        rid = in_notice or _notice(toks[i], rules)
        if rid:
            reason[i] = rid
        if in_notice:
            edge = block_right or right.get(line.page, 0.0) or margin
            if not _continues(lines, i, reason, edge, is_heading):
                in_notice = None
            block_right = max(block_right, line.x1 or float(len(line.text)))

    # 2b: short fragments (fewer words than a trigram) next to a removed notice line
    for line in lines:
        i = line.index
        if i in reason:
            continue
        if 0 < len(toks[i]) < rules.n and _next_to_removed(lines, i, reason):
            phrase = " " + " ".join(toks[i]) + " "
            for rid, text in rules.notice_text.items():
                if phrase in text:
                    reason[i] = rid
                    break

    # 5: short title-like lines sandwiched between removed lines
    for line in lines:
        i = line.index
        if i in reason or i == 0 or i == len(lines) - 1:
            continue
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


def _text_margin(lines: list[Line]) -> float:
    """Text input: the typical length of a full line, in characters (80th percentile)."""
    lengths = sorted(len(line.text) for line in lines)
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
    if is_heading(nxt) or LIST_LABEL.match(nxt) or CODE_ROW.match(nxt):
        return False
    line = lines[i]
    if line.x1 is not None:
        return line.x1 >= edge - 12
    return len(line.text) >= 0.85 * edge


def _next_to_removed(lines: list[Line], i: int, reason: dict[int, str]) -> bool:
    return (i - 1 in reason) or (i + 1 in reason)


def _stretches(raw: RawDocument, reason: dict[int, str]) -> list[Removed]:
    """Consecutive removed lines with the same rule and page become one stretch."""
    out: list[Removed] = []
    prev: Line | None = None
    for i in sorted(reason):
        line = raw.lines[i]
        rid = reason[i]
        if (
            out
            and prev is not None
            and prev.index == i - 1
            and out[-1].reason == rid
            and prev.page == line.page
        ):
            last = out[-1]
            out[-1] = Removed(
                span=(last.span[0], line.end), page=last.page, reason=rid,
                text=raw.text[last.span[0] : line.end],
            )
        else:
            out.append(
                Removed(span=(line.start, line.end), page=line.page, reason=rid, text=line.text)
            )
        prev = line
    return out
