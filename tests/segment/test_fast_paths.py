"""The shortcuts of segmentation and paragraph building answer exactly as the patterns they stand
for: each is checked here against the plain regular expression (or the plain computation) on
synthetic text built from the characters the shortcuts look at."""

from __future__ import annotations

from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.document import Line
from extractor.segment import paragraphs as P
from extractor.segment import sections as S
from extractor.textmap import TextMap
from extractor.textutil import fold, more_words

# characters and pieces the shortcuts treat specially: ends, labels, bullets, codes, white
# space the regex module and str.split read differently, non-ASCII digits, case-folding oddities
_PIECES = [
    "a", "A", "z", "Z", "x", "I", "V", "X", "0", "1", "9", " ", "  ", "\t", "\x1c", ".", "...",
    ":", ";", ",", "-", "–", "(", ")", "]", "\"", "'", "”", "’", "!", "?", "•", "*", "\n",
    "ä", "É", "ª", "\u0660", "\u00a0", "ſ", "\u212a", "top", "back to top", "the", "THE", "Of",
    "an", "iv", "E1399", "97033", "L74.52", "A.", "1)", "(a)", "1. ", "IV) ", "Coding",
    "Description", "References", "Appendix A", "Medically Necessary", "Rationale",
    "Notice of Independent Medical Review Determination", "U.S.", "/", "Table of Contents",
]
TEXTS = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
EXAMPLES = settings(max_examples=400, deadline=None)


@EXAMPLES
@given(TEXTS)
def test_ends_sentence_is_the_pattern(text: str) -> None:
    assert P.ends_sentence(text) == bool(P.SENTENCE_END.search(text))


@EXAMPLES
@given(TEXTS)
def test_incomplete_is_the_pattern(text: str) -> None:
    assert P._incomplete(text) == bool(P._INCOMPLETE.search(text))


@EXAMPLES
@given(TEXTS)
def test_opens_item_is_list_label_or_code_row(text: str) -> None:
    expected = bool(P.LIST_LABEL.match(text) or P.CODE_ROW.match(text))
    assert P.opens_item(text) == expected


@EXAMPLES
@given(TEXTS, st.integers(min_value=0, max_value=14))
def test_more_words_counts_split_words(text: str, n: int) -> None:
    assert more_words(text, n) == (len(text.split()) > n)


def _plain_key(text: str) -> str:
    """Lexicon._key as the patterns alone compute it."""
    if len(text) > 200:
        return fold(text)
    text = S._LEADER.sub("", " ".join(text.split()))
    return S._TRAILING.sub("", fold(S._NUMBERING.sub("", text)))


def _plain_top(lex: S.Lexicon, text: str) -> str | None:
    """Lexicon.top without its shortcuts."""
    if len(text.split()) > S.MAX_HEADING_WORDS or text.endswith((".", ",", ";")):
        return None
    k = _plain_key(text)
    kind = lex.headings.get(k)
    if kind:
        return kind
    for pat, _prefix, pkind in lex.patterns:
        if pat.fullmatch(k):
            return pkind
    if "/" in k:
        return lex.headings.get(k.split("/")[0].strip())
    return None


@pytest.mark.parametrize("family", ["guideline", "imr"])
@EXAMPLES
@given(text=TEXTS)
def test_lexicon_answers_as_its_patterns(family: str, text: str) -> None:
    lex = S.Lexicon(S.lexicon(family).headings, S.lexicon(family).patterns,
                    S.lexicon(family).sub, S.lexicon(family).leads,
                    S.lexicon(family).pattern_leads)  # a fresh memo
    assert lex.key(text) == _plain_key(text)
    assert lex.top(text) == _plain_top(lex, text)
    plain_sub = len(text.split()) <= S.MAX_HEADING_WORDS and _plain_key(text) in lex.sub
    assert lex.is_sub(text) == plain_sub
    if not lex.may_head(text):
        assert _plain_top(lex, text) is None and not plain_sub


@pytest.mark.parametrize("family", ["guideline", "imr"])
def test_lexicon_vocabulary_with_number_labels(family: str) -> None:
    """Every heading of the vocabulary, numbered or not, in any case, is known as before."""
    lex = S.lexicon(family)
    for h in [*lex.headings, *lex.sub]:
        for label in ("", "1. ", "IV) ", "A.\t", "123. ", "L74. "):
            for text in (label + h, label + h.upper() + ":", label + h.title() + " ....... 12"):
                assert lex.top(text) == _plain_top(lex, text), text
                plain_sub = (len(text.split()) <= S.MAX_HEADING_WORDS
                             and _plain_key(text) in lex.sub)
                assert lex.is_sub(text) == plain_sub, text


def test_literal_prefix() -> None:
    assert S._literal_prefix(r"appendix\s+[a-z0-9]+") == "appendix"
    assert S._literal_prefix("rationale for why (?:a|b)") == "rationale for why "
    assert S._literal_prefix("abc?d") == "ab"
    assert S._literal_prefix("ab{2}") == "a"
    assert S._literal_prefix("a|b") == ""
    assert S._literal_prefix(r"\d+ x") == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXTS.filter(bool), st.sampled_from(["\n", " ", ""])), max_size=8))
def test_textmap_line_starts(parts: list[tuple[str, str]]) -> None:
    lines = [Line(0, len(t), t, 1, k) for k, (t, _) in enumerate(parts)]
    seps = [s for _, s in parts[:-1]]
    tm = TextMap(lines, seps)
    pieces = [p for (t, _), s in zip(parts, [*seps, ""], strict=False) for p in (t, s)]
    assert tm.text == "".join(pieces)
    assert tm._clean_starts == list(accumulate(map(len, pieces), initial=0))[0 : 2 * len(lines) : 2]
