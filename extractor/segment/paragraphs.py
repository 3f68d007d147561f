"""Paragraphs rebuilt from wrapped visual lines, keeping list items and code rows apart.

A line starts a new block when:
  1. it opens a list item (A., 1., a), i., bullets) or a code row (97033, E1399, L74.52);
  2. the line before it ends with a colon, or ends a sentence and falls short of the margin;
  3. (PDF, or text that is not double spaced) a blank gap separates it from the line before;
  4. its indentation or type differs from the line before (PDF).
Otherwise it continues the paragraph, joined with one space ("-" at a line end joins as is).

Every section's text goes through here, line by line: the tests on a line are ordered cheapest
first, the regular expressions last, and each line's own facts are read once, not again when
it is the line before the next one.
"""

from __future__ import annotations

import re

import regex

from extractor.document import Line
from extractor.textmap import TextMap
from extractor.textutil import more_words

LIST_LABEL = regex.compile(
    r"^(?:\(?(?:[A-Z]|[a-z]|\d{1,3}|[ivxlc]{1,6}|[IVXLC]{1,6})[.)](?=\s|$)|[•·▪●○■◦►▶✓\-–*](?=\s))"
)
CODE_ROW = regex.compile(
    r"^(?:\d{4}[0-9A-Z]|[A-Z]\d{4}|[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?|\d{4}[FTU]|[0-9A-HJ-NP-Z]{7})"
    r"(?:\s*[-–]\s*\S+)?(?=\s|$)"
)
# LIST_LABEL or CODE_ROW, in one call; on ASCII text by `re` (half the cost of a `regex`
# call), which with re.ASCII reads this pattern as `regex` does there (\s, \S, \d: ASCII classes)
_OPENER = regex.compile(f"{LIST_LABEL.pattern}|{CODE_ROW.pattern}")
_OPENER_ASCII = re.compile(_OPENER.pattern, re.ASCII)
SENTENCE_END = regex.compile(r"[.!?][\"'”’)\]]?$")
# a line that cannot end a sentence: the next line continues it
_INCOMPLETE_WORDS = ("the", "of", "and", "or", "to", "in", "for", "with", "a", "an", "by", "on",
                     "at", "from", "as", "is", "are", "be", "that")
_INCOMPLETE = regex.compile(
    r"(?:[,;\-–(]|\b(?:" + "|".join(_INCOMPLETE_WORDS) + "))$",
    regex.I,
)
# the ASCII characters an _INCOMPLETE match can end with ("\n": "$" matches before a last one)
_INCOMPLETE_LAST = frozenset(",;-(\n" + "".join(w[-1] + w[-1].upper() for w in _INCOMPLETE_WORDS))
_INCOMPLETE_TAIL = 1 + max(map(len, _INCOMPLETE_WORDS)) + 1  # "\b", a word, a last "\n"


def ends_sentence(text: str) -> bool:
    """`SENTENCE_END.search(text)`, read from the last two characters (a search would try
    every position of the line)."""
    if text.endswith("\n"):  # "$" also matches before a final newline
        text = text[:-1]
    last = text[-1:]
    if not last:
        return False
    if last in ".!?":
        return True
    before = text[-2:-1]
    return last in "\"'”’)]" and before != "" and before in ".!?"


def _incomplete(text: str) -> bool:
    """`_INCOMPLETE.search(text)`: most lines end in a character no match ends in; else only
    the tail can hold a match (the search sees the character before it for "\\b")."""
    last = text[-1:]
    if last.isascii() and last not in _INCOMPLETE_LAST:
        return False
    return _INCOMPLETE.search(text, max(0, len(text) - _INCOMPLETE_TAIL)) is not None


def opens_item(text: str) -> bool:
    """Does the line open a list item or a code row (LIST_LABEL or CODE_ROW)? Not where its
    second character is a lower-case letter (a code row has a digit or capital there, a bullet
    a space) and no "." or ")" ends a label: most lines are answered without a regex."""
    head = text[:8]
    if head[1:2].islower() and "." not in head and ")" not in head:
        return False
    return (_OPENER_ASCII if text.isascii() else _OPENER).match(text) is not None


def is_double_spaced(lines: list[Line]) -> bool:
    """Text extracted with a blank line after every visual line carries no paragraph signal."""
    if len(lines) < 8:
        return False
    gaps = sum(1 for ln in lines if ln.gap_before > 0)
    return gaps / len(lines) > 0.6


def _margin(lines: list[Line]) -> float:
    """Typical full line length in characters (the 80th percentile)."""
    lengths = sorted([len(ln.text) for ln in lines])
    return lengths[int(len(lengths) * 0.8)] if lengths else 0


def _is_label_line(text: str) -> bool:
    """A short capitalised line with no final punctuation ("CPT", "ICD-10 Diagnosis")."""
    return (
        text[:1].isupper()
        and not text.endswith((",", ";", "-"))
        and not ends_sentence(text)
        and not more_words(text, 4)
    )


def _is_lead_in(text: str) -> bool:
    """A capitalised line ending in a colon ("When services are Not Medically Necessary:")."""
    return text.endswith(":") and text[:1].isupper() and not more_words(text, 14)


def _separators(lines: list[Line], use_gaps: bool, short: float) -> list[str]:
    """What goes before each line after the first: a line break where it starts a block, else
    what joins it to the line before ("" after a hyphenated word, else a space). `short`: 0.85
    of the margin. One loop, each line's facts read once (as the line, then as the one before)."""
    out: list[str] = []
    prev = lines[0]
    ptext = prev.text
    pcolon = ptext.endswith(":")
    prev_label = _is_label_line(ptext)
    for line in lines[1:]:
        text = line.text
        upper = text[:1].isupper()
        colon = text.endswith(":")
        label = upper and _is_label_line(text)
        if (
            pcolon
            or (use_gaps and line.gap_before > 0)
            # a capitalised line after a label, a label, a lead-in (continued lines mostly
            # start in lower case: one test for the three)
            or (upper and (prev_label or (label and not _incomplete(ptext))
                           or (colon and _is_lead_in(text))))
            or (len(ptext) < short and ends_sentence(ptext))
            or (
                # a change of type (PDF): text lines have no size and are not bold
                (prev.size or prev.bold or line.bold)
                and prev.page == line.page
                and (
                    (prev.size and line.size and abs(prev.size - line.size) > 0.6)
                    or (prev.bold != line.bold and (prev.bold or line.bold))
                )
            )
            or opens_item(text)
        ):
            out.append("\n")
        elif ptext[-1:] == "-" and len(ptext) > 1 and ptext[-2].isalpha():
            out.append("")
        else:
            out.append(" ")
        prev, ptext, prev_label, pcolon = line, text, label, colon
    return out


def _lines_separators(lines: list[Line], double_spaced: bool | None) -> list[str]:
    if double_spaced is None:
        double_spaced = is_double_spaced(lines)
    return _separators(lines, not double_spaced, 0.85 * _margin(lines))


def starts_block(prev: Line, line: Line, margin: float, use_gaps: bool) -> bool:
    return _separators([prev, line], use_gaps, 0.85 * margin)[0] == "\n"


def paragraphs(lines: list[Line], double_spaced: bool | None = None) -> list[list[Line]]:
    if not lines:
        return []
    out: list[list[Line]] = [[lines[0]]]
    for line, sep in zip(lines[1:], _lines_separators(lines, double_spaced), strict=True):
        if sep == "\n":
            out.append([line])
        else:
            out[-1].append(line)
    return out


def text_map(lines: list[Line], double_spaced: bool | None = None) -> TextMap:
    """The lines' text, each paragraph on a line of its own."""
    return TextMap(lines, _lines_separators(lines, double_spaced) if lines else [])
