"""Related documents the text points to, and Document History rows.

Related documents (rules/related.toml):
  1. A lead-in line that asks the reader to see other documents and ends with a colon ("Note:
     Please see the following related document(s) for additional information:") is followed by
     one line per document: an id in a family's id form, then the title ("CG-MED-63 Treatment of
     Hyperhidrosis"). The list ends at the first line that does not start with an id.
  2. Sections headed "Related Policies" / "Related Documents" (any section whose heading the
     rule file lists) contribute every line that starts with an id, with or without a separator
     ("A55531 - Billing and Coding: ...", "703.001: Organ and Tissue Transplantation").
  3. Each id is reported once, first occurrence first.

History rows:
  4. In sections of kind `history`, a row starts with a status word from the rule file and/or a
     date ("Reviewed 08/08/2024 MPTAC review. ...", "04/01/2022 Updated Coding section ..."),
     the document's id possibly before the date; lines that start neither continue the row's
     action (wrapped cells), and a date wrapped under a status cell completes that row.
  5. The table ends at a paragraph set apart from the rows: a gap before a line that starts no
     row and sits left of the rows or between their column and the one wrapped cells continue
     in, or a blank-line gap in text documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import regex

from extractor.context import Context
from extractor.document import Line
from extractor.extract.metadata import parse_date
from extractor.models.contract import HistoryRow, RelatedDocument
from extractor.rules import load
from extractor.textutil import (
    ascii_folded,
    clean_space,
    fold,
    limit,
    lines_with,
    required_literals,
)

# the document's id opening its first history row ("MP 2.312 02/21/2020 Consensus Review.")
_LEADING_ID = regex.compile(r"^[A-Z]{1,5}[ -]?\d+(?:\.\d+)*\s+(?=\d{1,2}/\d)")
_NA_OR_DIGIT = regex.compile(r"^(?:n/?a\b|\d)", regex.I)
_DATE_START = regex.compile(
    r"^(?P<date>\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{4}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2},?\s+)?\d{4})\b",
    regex.I,
)


@dataclass(frozen=True, slots=True)
class _Rules:
    lead_in: regex.Pattern[str]
    lead_in_words: frozenset[str] | None  # one of them stands in a lead-in (textutil)
    entry: regex.Pattern[str]
    sections: frozenset[str]
    status: regex.Pattern[str]


@cache
def _rules() -> _Rules:
    data = load("related")
    id_alt = "|".join(f"(?:{p})" for p in data["ids"]["patterns"])
    statuses = sorted(data["history"]["statuses"], key=len, reverse=True)
    return _Rules(
        lead_in=regex.compile(data["lead_in"]["pattern"], regex.I | regex.V1),
        lead_in_words=required_literals(data["lead_in"]["pattern"]),
        # id at line start, an optional separator, then the title
        entry=regex.compile(
            r"^(?P<id>" + id_alt + r")(?![\w.])\s*(?:[-\u2013\u2014:]\s*)?(?P<title>.*)$",
            regex.V1,
        ),
        sections=frozenset(fold(h) for h in data["sections"]["headings"]),
        status=regex.compile(
            r"^(?P<status>" + "|".join(regex.escape(s) for s in statuses) + r")\b(?!:)", regex.I
        ),
    )


# --- related documents ----------------------------------------------------------------------


def _entry(line: Line) -> tuple[str, str | None] | None:
    m = _rules().entry.match(clean_space(line.text), timeout=limit(line.text, 0.05))
    if not m:
        return None
    title = m.group("title").strip() or None
    return m.group("id"), title


def _listed_after_lead_ins(
    lines: list[Line], text: str | None = None
) -> list[tuple[str, str | None, Line]]:
    """`lines`: lines of the document `text`, in order (without the text, a lead-in is looked
    for on every line)."""
    out: list[tuple[str, str | None, Line]] = []
    lead_in = _rules().lead_in
    # the lines a lead-in may be on, from a literal scan (None: every line)
    words = _rules().lead_in_words
    maybe: Iterable[int] = range(len(lines)) if words is None or text is None else [
        k for k, _ in lines_with(ascii_folded(text), words, lines)]
    resume = 0  # the lines before it are a list's entries
    for k in maybe:
        line_text = lines[k].text
        if k >= resume and lead_in.search(line_text, timeout=limit(line_text, 0.05)):
            j = k + 1
            while j < len(lines) and (e := _entry(lines[j])) is not None:
                out.append((e[0], e[1], lines[j]))
                j += 1
            resume = j
    return out


def _in_related_sections(ctx: Context) -> list[tuple[str, str | None, Line]]:
    heads = _rules().sections
    out: list[tuple[str, str | None, Line]] = []
    for s in ctx.sections:
        if s.heading and fold(s.heading).rstrip(": ") in heads:
            for line in s.lines:
                e = _entry(line)
                if e:
                    out.append((e[0], e[1], line))
    return out


def extract_related(ctx: Context) -> list[RelatedDocument]:
    found = _listed_after_lead_ins(ctx.kept, ctx.raw.text) + _in_related_sections(ctx)
    seen: set[str] = set()
    out: list[RelatedDocument] = []
    for doc_id, title, line in sorted(found, key=lambda t: t[2].start):
        if doc_id in seen:
            continue
        seen.add(doc_id)
        out.append(RelatedDocument(doc_id=doc_id, title=title, span=(line.start, line.end)))
    return out


# --- history ------------------------------------------------------------------------------


def _row_start(text: str) -> tuple[str | None, str | None, str] | None:
    """(status, iso date, rest) when a line opens a history row."""
    t = _LEADING_ID.sub("", clean_space(text), count=1)
    status = None
    m = _rules().status.match(t, timeout=limit(t, 0.05))
    if m:
        status = m.group("status")
        t = t[m.end():].strip()
    d = _DATE_START.match(t, timeout=limit(t, 0.05))
    date = None
    if d:
        date = parse_date(d.group("date"))
        t = t[d.end():].strip()
    if status is None and date is None:
        return None
    if status is not None and date is None and not _NA_OR_DIGIT.match(t):
        # a status word opening prose ("Revised criteria ...") is not a row without a date
        return None
    return status, date, t


@dataclass(slots=True)
class _Row:
    status: str | None
    date: str | None
    parts: list[str]
    start: int
    end: int

    def row(self) -> HistoryRow | None:
        action = clean_space(" ".join(self.parts))
        if not action and not self.date:
            return None
        return HistoryRow(status=self.status, date=self.date, action=action,
                          span=(self.start, self.end))


def _rows(lines: list[Line]) -> list[HistoryRow]:
    rows: list[_Row] = []
    row_x0: float | None = None
    cont_x0: float | None = None
    for line in lines:
        cur = rows[-1] if rows else None
        start = _row_start(line.text)
        if start is not None and cur is not None and cur.date is None and start[0] is None \
                and (not start[2] or (cur.status is not None and line.gap_before == 0)):
            # a date wrapped under its status cell ("Updated codes" / "04/01/2025 ...")
            cur.date = start[1]
            if start[2]:
                cur.parts.append(start[2])
            cur.end = line.end
            continue
        if start is not None:
            status, date, rest = start
            rows.append(_Row(status, date, [rest], line.start, line.end))
            if line.x0 is not None:
                row_x0 = line.x0 if row_x0 is None else min(row_x0, line.x0)
            continue
        if cur is None:
            continue  # the table's column headings ("Status Date Action")
        apart = line.gap_before >= (2 if line.x0 is not None else 1)
        left = line.x0 is not None and row_x0 is not None and line.x0 < row_x0 - 3
        # in neither the rows' column nor the one wrapped cells continue in ("Disclaimer"
        # under the table; a table heading repeated after a page break sits in the rows' one)
        out_of_cell = (line.x0 is not None and cont_x0 is not None and row_x0 is not None
                       and row_x0 + 3 < line.x0 < cont_x0 - 3)
        if (apart and (left or out_of_cell or line.x0 is None)) or (left and len(line.text) > 60):
            break  # a paragraph after the table
        if line.x0 is not None and line.x0 > (row_x0 or 0) + 3:
            cont_x0 = line.x0 if cont_x0 is None else min(cont_x0, line.x0)
        if cur.date is None and _DATE_START.match(line.text) and (d := parse_date(line.text)):
            cur.date = d  # a date wrapped under its status, with more text
            rest = _DATE_START.sub("", clean_space(line.text), count=1).strip()
            if rest:
                cur.parts.append(rest)
        else:
            cur.parts.append(line.text)
        cur.end = line.end
    return [r for row in rows if (r := row.row()) is not None]


def extract_history(ctx: Context) -> list[HistoryRow]:
    out: list[HistoryRow] = []
    for s in ctx.sections:
        if s.kind == "history" and (s.parent is None or ctx.sections[s.parent].kind != "history"):
            out.extend(_rows(_body(ctx, s.id)))
    return out


def _body(ctx: Context, sid: int) -> list[Line]:
    """A section's lines with its nested sections' headings and lines, in document order."""
    out = list(ctx.sections[sid].lines)
    for s in ctx.sections:
        if s.parent == sid:
            if s.heading_line is not None:
                out.append(s.heading_line)
            out.extend(_body(ctx, s.id))
    return sorted(out, key=lambda ln: ln.start)
