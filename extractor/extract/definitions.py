"""Definitions: term and definition, wrapped lines joined.

Heuristics, in the order the code applies them (rules in rules/definitions.toml):
  1. The text read is the body of each top-level `definitions` section (or one whose heading
     names definitions among other things: "Description & Definitions"), nested subsections'
     headings and lines included (a bold term line may have been taken for a subheading). Where
     the segmenter found no such section, a kept line that is a definitions heading ("V.
     DEFINITIONS TOP") opens one that runs to the next heading in the same numbered style or a
     known section heading; it counts only when a definition starts in its first lines (a table
     of contents entry or a wrapped "definition" is no heading).
  2. A term starts a line at the section's left margin (PDF x0; in text, the leading white
     space); indented lines belong to the definition above (sub-lists such as grades or classes
     are not terms), and so do wrapped lines.
  3. A line starts a term only when the line before closed its item: it ended a sentence or a
     parenthesis, was clearly short, was indented, or a gap / a change to bold type comes
     between. A colon inside a wrapped sentence ("... available at: http") is not a term.
  4. Term forms: "Term: definition" (the term short, capitalised, not ending in a function word,
     no clause outside its parentheses, not a note label); "Term means / refers to / is
     defined as ..."; a quoted or upper-case term followed by "is" / "are"; an upper-case term
     followed by a capitalised definition ("MYOCYTE A muscle tissue cell.").
  5. A term set with a subscript that the PDF put on the line below ("VO : ..." over "2") gets
     its subscript back.
  6. The definition is the rest of the term's line and every line up to the next term, joined
     with single spaces; the span runs from the term to the definition's last line.
  7. A leading bullet glyph or item number is no part of a term ("• Term - definition"); a
     listed item may also define with "is" / "are" ("1. Childhood is the period ..."); a
     short term whose colon the PDF set on a later line, past a superscript ("PREMM" / "5" /
     ": ..."), is joined back.
  8. Two-column term tables, where the PDF merged term and definition into one line: a
     definition column (wrapped lines starting together well right of the margin) or a dash
     the PDF set on a line of its own ("-" beside "Acute Pain Pain for up to six weeks") marks
     where the definition starts; the term ends at the word boundary before a capitalised word
     nearest that point, estimated from the lines' character width. A column is looked for only
     where no line gives a term by itself (indented lists are no column). "Term - Definition"
     with the dash in place is a term form of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

import regex

from extractor.context import Context
from extractor.document import Line
from extractor.models.contract import Definition
from extractor.rules import load
from extractor.segment.sections import SectionNode, lexicon
from extractor.textutil import ascii_folded, clean_space, fold, limit, lines_with, required_literals

INDENT = 4.0  # points right of the margin that make a line indented
TEXT_COLUMN = 2.0  # stand-in points per leading space in text documents
SHORT = 0.7  # a line shorter than this share of the block's longest line ends its item
COLUMN_GAP = 60.0  # points right of the margin where a definition column may start
ROW_SLACK = 6.0  # points: parts of one table row set at slightly different heights
MAX_TERM_WORDS = 10
_DASH_ONLY = regex.compile(r"^[\u2013\u2014-]$")  # one character
_CAP_BOUNDARY = regex.compile(r" (?=[A-Z(\[])")
_NAMES_DEFINITIONS = regex.compile(r"\bdefinitions\b", regex.I)
# Cheap tests in front of the small patterns below (speed only: each says no only where the
# pattern cannot match), as most lines are none of these.
_NUMBER = regex.compile(r"^(?:\d{1,2}|[a-z])[.)]\s+")  # "." or ")" second or third
_BULLETS = "\u2022\u25cf\u25aa\u25e6\u2023\u2043\uf0b7\uf0a7*"
_BULLET = regex.compile(f"^[{_BULLETS}]\\s*")  # a bullet first
_SUBSCRIPT = regex.compile(r"^\d(?:\s+\d){0,8}$")  # a digit (ASCII or not) first
# searched from the last character that is not white space (`str.rstrip` strips more than
# "\s" matches: no match starts earlier)
_CLOSES = regex.compile(r"[.)\]\u201d\"!?;]\s*$|:\s*$")
_LETTER = regex.compile(r"[^\W\d_]")
_COLON = regex.compile(r":(?:\s|$)")  # a colon in the text
_ASIDES = regex.compile(r"\([^)]*\)|\[[^\]]*\]")


@dataclass(frozen=True, slots=True)
class _Rules:
    heading: regex.Pattern[str]
    heading_words: frozenset[str] | None  # one of them stands in a heading (textutil)
    next_heading: regex.Pattern[str]
    max_words: int
    max_chars: int
    bad_last: frozenset[str]
    not_terms: frozenset[str]
    clause_words: frozenset[str]
    verb: regex.Pattern[str]
    strong: regex.Pattern[str]
    dash: regex.Pattern[str]
    numbered: regex.Pattern[str]
    # literals one of which each pattern needs, as they stand in the text (textutil; None: no
    # test): a line without one is not tried
    verb_needs: frozenset[str] | None
    dash_needs: frozenset[str] | None
    numbered_needs: frozenset[str] | None


@cache
def rules() -> _Rules:
    d = load("definitions")
    verb = regex.compile(d["verb"]["pattern"], regex.V1)
    dash = regex.compile(d["dash"]["pattern"], regex.V1)
    numbered = regex.compile(d["verb"]["numbered_pattern"], regex.V1)
    return _Rules(
        heading=regex.compile(d["heading"]["pattern"], regex.I | regex.V1),
        heading_words=required_literals(d["heading"]["pattern"]),
        next_heading=regex.compile(d["heading"]["next_heading"], regex.V1),
        max_words=int(d["colon"]["max_words"]),
        max_chars=int(d["colon"]["max_chars"]),
        bad_last=frozenset(d["colon"]["bad_last_words"]),
        not_terms=frozenset(d["colon"]["not_terms"]),
        clause_words=frozenset(d["colon"]["clause_words"]),
        verb=verb,
        strong=regex.compile(d["verb"]["strong_pattern"], regex.V1),
        dash=dash,
        numbered=numbered,
        verb_needs=_needs(verb),
        dash_needs=_needs(dash),
        numbered_needs=_needs(numbered),
    )


def _needs(pattern: regex.Pattern[str]) -> frozenset[str] | None:
    """Literals one of which every match of a pattern that minds case holds."""
    return None if pattern.flags & regex.I else required_literals(pattern.pattern, exact=True)


def _may(needs: frozenset[str] | None, text: str) -> bool:
    """Does the text hold one of the literals a pattern needs (or are there none to test)?"""
    return needs is None or any(lit in text for lit in needs)


# --- finding the text ---------------------------------------------------------------------


def _body(ctx: Context, node: SectionNode) -> list[Line]:
    out = list(node.lines)
    for s in ctx.sections:
        if s.parent == node.id:
            if s.heading_line is not None:
                out.append(s.heading_line)
            out.extend(_body(ctx, s))
    return sorted(out, key=lambda ln: ln.start)


def _defines(s: SectionNode) -> bool:
    """A definitions section, or one whose heading names definitions among other things
    ("Description & Definitions")."""
    return s.kind == "definitions" or bool(s.heading and _NAMES_DEFINITIONS.search(s.heading))


def _blocks(ctx: Context) -> list[list[Line]]:
    blocks = [
        _body(ctx, s) for s in ctx.sections
        if _defines(s) and (s.parent is None or not _defines(ctx.sections[s.parent]))
    ]
    return [b for b in blocks if b] or _fallback_blocks(ctx.kept, ctx.raw.text)


def _fallback_blocks(kept: list[Line], text: str | None = None) -> list[list[Line]]:
    """`kept`: lines of the document `text`, in order (without the text, every line is looked
    at as a heading; with it, only those that hold a word the heading needs)."""
    r = rules()
    is_heading = lexicon("guideline").is_heading
    out: list[list[Line]] = []
    maybe: Iterable[int] = range(len(kept)) if r.heading_words is None or text is None else [
        k for k, _ in lines_with(ascii_folded(text), r.heading_words, kept)]
    resume = 0  # the lines before it are a block's
    for k in maybe:
        if k < resume:
            continue
        line_text = clean_space(kept[k].text)
        first = _LETTER.search(line_text)
        # a heading is capitalised: a lower-case "definition" ends a wrapped sentence
        if first and first.group(0).isupper() \
                and r.heading.match(line_text, timeout=limit(line_text, 0.05)):
            j = k + 1
            while j < len(kept):
                t = clean_space(kept[j].text)
                tmo = limit(t, 0.05)
                if r.next_heading.match(t, timeout=tmo) or r.heading.match(t, timeout=tmo) \
                        or is_heading(t):
                    break
                j += 1
            body = kept[k + 1:j]
            items = parse(body)
            if items and items[0].lines[0] in body[:3]:  # a definition right under it
                out.append(body)
            resume = j
    return out


# --- terms ----------------------------------------------------------------------------------


def _colon_term(text: str) -> tuple[str, int] | None:
    """(term, offset where the definition starts) for "Term: definition"."""
    r = rules()
    m = _COLON.search(text) if ":" in text else None
    if not m:
        return None
    raw = text[: m.start()]
    term = clean_space(raw).strip("\u201c\u201d\"' ")
    if not term or len(term) > r.max_chars or len(term.split()) > r.max_words:
        return None
    if not (term[0].isupper() or term[0].isdigit() or term[0] in "(["):
        return None
    if ". " in term or term.count("(") != term.count(")") or not _LETTER.search(term):
        return None
    folded = fold(term)
    last = folded.split()[-1].strip(".,")
    if last in r.bad_last or folded.strip(".") in r.not_terms:
        return None
    # asides may hold verbs
    outside = _ASIDES.sub(" ", folded) if "(" in folded or "[" in folded else folded
    if any(w.strip(".,") in r.clause_words for w in outside.split()):
        return None
    if raw.endswith(" "):
        term += " "  # a subscript may follow on the next line (heuristic 5)
    return term, m.end()


def _verb_term(text: str) -> tuple[str, int] | None:
    r = rules()
    m = r.verb.match(text, timeout=limit(text, 0.05)) if _may(r.verb_needs, text) else None
    if m:
        term = clean_space(m.group("term"))
        if len(term.split()) <= 8 and term[:1].isupper():
            return term, m.start() + len(m.group(0)) - len(m.group(0).lstrip())
    m = r.strong.match(text, timeout=limit(text, 0.05))
    if m:
        term = clean_space(m.group("qterm") or m.group("cterm") or m.group("uterm"))
        if len(term.split()) <= 8:
            # "TERM is ..." reads as a whole sentence; "TERM A definition" starts after the term
            return term, m.end() if m.group("uterm") else 0
    return None


def _dash_term(text: str) -> tuple[str, int] | None:
    """(term, definition offset) for "Term – Definition" / "Term- Definition"."""
    r = rules()
    m = r.dash.match(text, timeout=limit(text, 0.05)) if _may(r.dash_needs, text) else None
    if not m:
        return None
    term = clean_space(m.group("term"))
    last = fold(term).split()[-1] if term else ""
    if not term[:1].isupper() or len(term.split()) > MAX_TERM_WORDS or last in r.bad_last:
        return None
    return term, m.end()


def _numbered_term(text: str) -> tuple[str, int, bool] | None:
    """"Childhood is the period ..." as a numbered item of a definitions list."""
    r = rules()
    m = r.numbered.match(text, timeout=limit(text, 0.05)) if _may(r.numbered_needs, text) \
        else None
    if not m:
        return None
    term = clean_space(m.group("term"))
    if not term[:1].isalpha() or len(term.split()) > 6 or fold(term) in r.not_terms:
        return None
    return term, 0, True


def _term(text: str) -> tuple[str, int, bool] | None:
    """(term, definition offset, verb form) for a line that opens a definition."""
    t = text.strip()
    c = _colon_term(t) or _dash_term(t)
    if c:
        return c[0], c[1], False
    v = _verb_term(t)
    if v:
        return v[0], v[1], True
    return None


# --- parsing a block ------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    term: str
    lines: list[Line]
    first_text: str  # the term line's text after the term (the definition's start)
    read: int = 1  # lines whose text first_text already holds


def _closed(prev: Line | None, line: Line, margin: float | None, longest: int) -> bool:
    if prev is None:
        return True
    if margin is not None and prev.x0 is not None and prev.x0 > margin + INDENT:
        return True
    if line.gap_before > 0 or (line.bold and not prev.bold):
        return True
    if _is_subscript(prev.text.strip()):
        return True
    return len(prev.text) < SHORT * longest or bool(
        _CLOSES.search(prev.text, max(0, len(prev.text.rstrip()) - 1)))


def _is_dash(text: str) -> bool:
    return len(text) == 1 and bool(_DASH_ONLY.match(text))


def _is_subscript(text: str) -> bool:
    first = text[:1]
    return bool(first) and (first.isdigit() or not first.isascii()) and bool(
        _SUBSCRIPT.match(text))


def _column(lines: list[Line], margin: float | None) -> float | None:
    """x of a definition column: wrapped lines that start together well right of the margin
    (a two-column table of terms and definitions)."""
    if margin is None:
        return None
    xs = [round(ln.x0) for ln in lines if ln.x0 is not None and ln.x0 > margin + COLUMN_GAP
          and len(_LETTER.findall(ln.text)) > 10]
    if len(xs) < 2:
        return None
    common = Counter(xs).most_common(1)[0][0]
    near = [x for x in xs if abs(x - common) <= 2]
    return float(common) if len(near) >= 2 and len(near) >= 0.6 * len(xs) else None


def _char_width(lines: list[Line]) -> float | None:
    widths = sorted((ln.x1 - ln.x0) / len(ln.text) for ln in lines
                    if ln.x0 is not None and ln.x1 is not None and len(ln.text) >= 20)
    return widths[len(widths) // 2] if widths else None


def _split_at(text: str, estimate: float) -> int | None:
    """The word boundary before a capitalised word nearest the estimated term length."""
    spaces = [m.start() for m in _CAP_BOUNDARY.finditer(text)][:MAX_TERM_WORDS]
    if not spaces:
        return None
    best = min(spaces, key=lambda i: abs(i - estimate))
    return best if abs(best - estimate) <= max(4.0, 0.3 * estimate) else None


def _at_margin(line: Line, margin: float) -> bool:
    return line.x0 is not None and line.x0 <= margin + INDENT


def _near_top(line: Line, top: float) -> bool:
    return line.top is not None and abs(line.top - top) <= ROW_SLACK


def _dash_partners(lines: list[Line], margin: float | None) -> dict[int, float]:
    """Dashes the PDF set apart from their row ("-" lines right of the margin): index of the
    row's line -> the dash's x, where the term ends."""
    out: dict[int, float] = {}
    for k, ln in enumerate(lines):
        if not (_is_dash(ln.text.strip()) and ln.x0 is not None and margin is not None
                and ln.x0 > margin + INDENT):
            continue
        near = [j for j in (k + 1, k - 1) if 0 <= j < len(lines)
                and _at_margin(lines[j], margin) and not _is_dash(lines[j].text.strip())]
        if ln.top is not None:
            top = ln.top
            near = [j for j in near if _near_top(lines[j], top)]
        if near:
            out.setdefault(near[0], ln.x0)
    return out


def _column_term(line: Line, split_x: float, cw: float, from_right: bool) -> tuple[str, int] | None:
    if line.x0 is None or line.x1 is None:
        return None
    text = line.text.strip()
    estimate = (len(text) - (line.x1 - split_x) / cw) if from_right else (split_x - line.x0) / cw
    at = _split_at(text, estimate)
    if at is None:
        return None
    term = text[:at].strip()
    last = fold(term).split()[-1] if term else ""
    return (term, at + 1) if term and last not in rules().bad_last else None


def _term_over_lines(lines: list[Line], k: int) -> tuple[str, str, list[int]] | None:
    """A short term whose colon the PDF put on a later line, past a super- or subscript
    ("PREMM" / "5" / ": Prediction model ..."): (term, definition start, lines used)."""
    text = lines[k].text.strip()
    if ":" in text or not text[:1].isupper() or len(text.split()) > MAX_TERM_WORDS:
        return None
    term, used = text, []
    for j in range(k + 1, min(k + 3, len(lines))):
        nxt = lines[j].text.strip()
        if _is_subscript(nxt):
            term += nxt.replace(" ", "")
            used.append(j)
        elif nxt.startswith(":"):
            used.append(j)
            return term, nxt[1:].strip(), used
        else:
            return None
    return None


def parse(lines: list[Line]) -> list[_Item]:
    """Definitions in a block of lines (a definitions section's body). A definition column is
    looked for only where no line gives a term by itself: indented lists and side columns in
    "Term: definition" blocks are not table columns."""
    xs = [ln.x0 for ln in lines if ln.x0 is not None and _LETTER.search(ln.text)]
    margin = min(xs) if xs else None
    items = _parse(lines, margin, None)
    if not items and (column := _column(lines, margin)) is not None:
        items = _parse(lines, margin, column)
    return items


def _parse(lines: list[Line], margin: float | None, column: float | None) -> list[_Item]:
    longest = max((len(ln.text) for ln in lines), default=0)
    dashes = _dash_partners(lines, margin)
    cw = _char_width([ln for ln in lines if column is None
                      or (ln.x0 is not None and abs(ln.x0 - column) <= 2)]) \
        if column is not None or dashes else None
    items: list[_Item] = []
    prev: Line | None = None
    taken: set[int] = set()  # lines already read as part of a term split over lines
    for k, line in enumerate(lines):
        stripped = line.text.strip()
        text = stripped
        if text[:1] in _BULLETS:
            text = _BULLET.sub("", text, count=1)  # "• Term - definition"
        numbered = _NUMBER.match(text) if (text[1:2] in (".", ")")
                                           or text[2:3] in (".", ")")) else None
        if numbered:
            text = text[numbered.end():]
        listed = bool(numbered) or len(text) < len(stripped)  # a numbered or bulleted item
        if _is_dash(text) and margin is not None \
                and line.x0 is not None \
                and line.x0 > margin + INDENT:
            continue  # a dash set apart from its row (heuristic 8)
        if k in taken:
            items[-1].lines.append(line)
            continue
        at_margin = margin is None or line.x0 is None or line.x0 <= margin + INDENT
        closed = _closed(prev, line, margin, longest)
        found = _term(text) if at_margin and closed else None
        if found is None and listed and at_margin:
            found = _numbered_term(text)
        if found is None and at_margin and cw and (k in dashes or column is not None):
            split = (_column_term(line, dashes[k], cw, False) if k in dashes
                     else _column_term(line, column, cw, True))  # type: ignore[arg-type]
            found = (split[0], split[1], False) if split else None
        if found is None and at_margin and closed:
            split_term = _term_over_lines(lines, k)
            if split_term is not None:
                term, rest, used = split_term
                items.append(_Item(term, [line], rest, read=1 + len(used)))
                taken.update(used)
                prev = line
                continue
        if found:
            term, at, _ = found
            items.append(_Item(term, [line], text[at:].strip()))
        elif items:
            last = items[-1]
            if last.term.endswith(" ") and _is_subscript(text) and len(last.lines) == 1:
                last.term = last.term.rstrip() + text.split()[0]
            items[-1].lines.append(line)
        prev = line
    for it in items:
        it.term = it.term.strip()
    return items


def _definition(item: _Item) -> str:
    parts = [item.first_text] + [
        ln.text for ln in item.lines[item.read:] if not _is_subscript(ln.text.strip())
    ]
    return clean_space(" ".join(p for p in parts if p))


def _with_text_indent(lines: list[Line], text: str) -> list[Line]:
    """Text documents: a stand-in x0 from each line's leading white space (2 points a column,
    so that three or more spaces read as an indent), for the margin rules of PDFs."""
    out = []
    for ln in lines:
        if ln.x0 is not None:
            out.append(ln)
            continue
        newline = text.rfind("\n", 0, ln.start)
        # a form feed counts after the last newline only (looked for there: a search back to
        # the text's start for each line reads the text once per line)
        begin = max(newline, text.rfind("\f", newline + 1, ln.start)) + 1
        columns = len(text[begin:ln.start].expandtabs(4))
        out.append(replace(ln, x0=TEXT_COLUMN * columns))
    return out


def extract(ctx: Context) -> list[Definition]:
    out: list[Definition] = []
    blocks = _blocks(ctx)
    if ctx.raw.format != "pdf":
        blocks = [_with_text_indent(b, ctx.raw.text) for b in blocks]
    for block in blocks:
        for item in parse(block):
            first, last = item.lines[0], item.lines[-1]
            out.append(Definition(term=item.term, definition=_definition(item),
                                  span=(first.start, last.end), page=first.page))
    return out
