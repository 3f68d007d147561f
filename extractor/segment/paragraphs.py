"""Paragraphs rebuilt from wrapped visual lines, keeping list items and code rows apart.

A line starts a new block when:
  1. it opens a list item (A., 1., a), i., bullets) or a code row (97033, E1399, L74.52);
  2. the line before it ends with a colon, or ends a sentence and falls short of the margin;
  3. (PDF, or text that is not double spaced) a blank gap separates it from the line before;
  4. its indentation or type differs from the line before (PDF).
Otherwise it continues the paragraph, joined with one space ("-" at a line end joins as is).
"""

from __future__ import annotations

import regex

from extractor.document import Line
from extractor.textmap import TextMap

LIST_LABEL = regex.compile(
    r"^(?:\(?(?:[A-Z]|[a-z]|\d{1,3}|[ivxlc]{1,6}|[IVXLC]{1,6})[.)](?=\s|$)|[•·▪●○■◦►▶✓\-–*](?=\s))"
)
CODE_ROW = regex.compile(
    r"^(?:\d{4}[0-9A-Z]|[A-Z]\d{4}|[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?|\d{4}[FTU]|[0-9A-HJ-NP-Z]{7})"
    r"(?:\s*[-–]\s*\S+)?(?=\s|$)"
)
SENTENCE_END = regex.compile(r"[.!?][\"'”’)\]]?$")
# a line that cannot end a sentence: the next line continues it
_INCOMPLETE = regex.compile(
    r"(?:[,;\-–(]|\b(?:the|of|and|or|to|in|for|with|a|an|by|on|at|from|as|is|are|be|that))$",
    regex.I,
)


def is_double_spaced(lines: list[Line]) -> bool:
    """Text extracted with a blank line after every visual line carries no paragraph signal."""
    if len(lines) < 8:
        return False
    gaps = sum(1 for ln in lines if ln.gap_before > 0)
    return gaps / len(lines) > 0.6


def _margin(lines: list[Line]) -> float:
    """Typical full line length in characters (the 80th percentile)."""
    lengths = sorted(len(ln.text) for ln in lines)
    return lengths[int(len(lengths) * 0.8)] if lengths else 0


def _is_label_line(text: str) -> bool:
    """A short capitalised line with no final punctuation ("CPT", "ICD-10 Diagnosis")."""
    return (
        len(text.split()) <= 4
        and text[:1].isupper()
        and not SENTENCE_END.search(text)
        and not text.endswith((",", ";", "-"))
    )


def _is_lead_in(text: str) -> bool:
    """A capitalised line ending in a colon ("When services are Not Medically Necessary:")."""
    return text.endswith(":") and text[:1].isupper() and len(text.split()) <= 14


def starts_block(prev: Line, line: Line, margin: float, use_gaps: bool) -> bool:
    if LIST_LABEL.match(line.text) or CODE_ROW.match(line.text):
        return True
    if prev.text.endswith(":") or _is_lead_in(line.text):
        return True
    if _is_label_line(line.text) and not _INCOMPLETE.search(prev.text):
        return True
    if _is_label_line(prev.text) and line.text[:1].isupper():
        return True
    if SENTENCE_END.search(prev.text) and len(prev.text) < 0.85 * margin:
        return True
    if use_gaps and line.gap_before > 0:
        return True
    if prev.page == line.page and prev.size and line.size and abs(prev.size - line.size) > 0.6:
        return True
    if prev.page == line.page and prev.bold != line.bold and (prev.bold or line.bold):
        return True
    return False


def paragraphs(lines: list[Line], double_spaced: bool | None = None) -> list[list[Line]]:
    if not lines:
        return []
    if double_spaced is None:
        double_spaced = is_double_spaced(lines)
    margin = _margin(lines)
    out: list[list[Line]] = [[lines[0]]]
    for prev, line in zip(lines, lines[1:], strict=False):
        if starts_block(prev, line, margin, not double_spaced):
            out.append([line])
        else:
            out[-1].append(line)
    return out


def join_seps(paras: list[list[Line]]) -> tuple[list[Line], list[str]]:
    """Flatten paragraphs into lines and the separators a TextMap needs."""
    flat: list[Line] = []
    seps: list[str] = []
    for p, para in enumerate(paras):
        for k, line in enumerate(para):
            if flat:
                if k == 0:
                    seps.append("\n")
                else:
                    prev = para[k - 1].text
                    hyphen = prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha()
                    seps.append("" if hyphen else " ")
            flat.append(line)
        del p
    return flat, seps


def text_map(lines: list[Line], double_spaced: bool | None = None) -> TextMap:
    flat, seps = join_seps(paragraphs(lines, double_spaced))
    return TextMap(flat, seps)
