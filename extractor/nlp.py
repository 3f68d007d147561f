"""A blank spaCy English pipeline with rule components, loaded once per process, lazily.

No model is downloaded or loaded: `spacy.blank("en")` brings only the tokenizer and the language
data the package ships. Two rules sit on top of spaCy's rule-based sentencizer:

  1. Abbreviations common in clinical prose and citations ("et al.", "e.g.", "vs.", "Fig.",
     "U.S.") are single tokens, so their full stop does not end a sentence.
  2. A sentence never starts with a lower-case word, a digit, a closing bracket or an opening
     parenthesis: such a break came from a full stop inside a citation or an abbreviation the
     tokenizer does not know ("et al. (2013) reported"), nor right after an opening bracket
     ('... surgery." (Smith, 2019).'); an opening quote starts the sentence it opens.

  3. Text with no ambiguous full stop (no abbreviation, initial, ellipsis, nor a stop before a
     lower-case word or a digit) needs no tokenizer: its sentences end at ". " before a capital,
     exactly where rules 1-2 would put them, so it is split directly.
  4. Where only the sentence holding a given offset is wanted (`sentences_holding`), the
     pipeline reads only the stretch of text that needs it. spaCy tokenizes each run of
     non-space characters on its own, and the sentencizer starts a sentence only at the first
     word after a token of sentence-final punctuation; so each run holding such a character
     is tokenized alone (remembered per process): one without a final-punctuation token
     ("U.S.", "al.", "e.g.,", "3.5") starts nothing; one that ends with it and punctuation
     only ("2019).", "results.”") starts a sentence at the next run if that opens with a
     capital, and none (rule 2) if it opens with a lower-case letter or a digit. Those are
     sure breaks and sure non-breaks; anything else (a stop before a quote or a bracket, a
     stop inside a run) is settled by the pipeline, run on the text between the sure breaks
     around the offset - which it splits exactly as it would split the whole text.

Building the pipeline costs a few hundred milliseconds and running it about 10 ms per seed-sized
document, so callers pass only the text that needs sentence structure, and rules 3-4 keep the
pipeline for the text where its token rules decide.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

_ABBREVIATIONS = (
    "al.", "e.g.", "i.e.", "vs.", "Fig.", "fig.", "Figs.", "Ref.", "Refs.", "No.", "Nos.",
    "approx.", "ca.", "cf.", "Dr.", "Drs.", "Inc.", "Ltd.", "Co.", "Corp.", "Jr.", "Sr.", "St.",
    "U.S.", "U.K.", "Vol.", "pp.", "p.", "ed.", "eds.", "Eds.", "Dept.", "Univ.", "Jan.", "Feb.",
    "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.", "etc.",
)
_NO_START = frozenset(")]}%,;:")
# a full stop, "!" or "?" (closing quotes or brackets after it) then space and a capital, a
# quote or an opening bracket: where rule 2 lets the sentencizer break
_PLAIN_BREAK = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[A-Z“\"'‘])")
# the same led by the full stop alone, for text without "!" and "?": `re` finds a literal
# first character ten times faster than one of a set
_PLAIN_STOP = re.compile(r"\.[\"'”’)\]]*\s+(?=[A-Z“\"'‘])")
# full stops the plain rule cannot place: abbreviations, initials ("J. Smith", "U.S."),
# ellipses, a full stop before a lower-case word or a digit
_AMBIGUOUS_STEMS = (
    "al", "e.g", "i.e", "vs", "cf", "ca", "approx", "etc", "Fig", "Figs", "Ref", "No", "Nos",
    "Dr", "Drs", "St", "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "Vol", "pp", "ed", "eds", "Dept",
    "Univ", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
)


def _after_stem(stems: tuple[str, ...]) -> str:
    """Look-behinds for a full stop ending one of `stems` (a word: "\\b" before it), or a single
    letter; `re` wants a fixed width, so one look-behind per length."""
    by_len: dict[int, list[str]] = {1: ["[A-Za-z]"]}
    for stem in stems:
        by_len.setdefault(len(stem), []).append(re.escape(stem))
    return "|".join(rf"(?<=\b(?:{'|'.join(alts)})\.)" for _, alts in sorted(by_len.items()))


# The pattern opens with the full stop and looks behind it for the word, so that the scan
# jumps from stop to stop (a literal first character is found fastest; a word alternation
# first would be tried at every character); an ellipsis "…" is tested apart.
_AMBIGUOUS = re.compile(rf"\.(?:(?=\s|$)(?:{_after_stem(_AMBIGUOUS_STEMS)})|\.|\s+[a-z0-9])")


def _no_false_starts(doc: Any) -> Any:
    """Rule 2: undo sentence starts the sentencizer put before continuation tokens."""
    starts = doc.to_array("SENT_START")  # vectorised: only the few starts are visited
    for i in (starts == 1).nonzero()[0][1:]:
        tok = doc[int(i)]
        first = tok.text[:1]
        prev = doc[int(i) - 1].text
        if (
            first.islower()
            or first.isdigit()
            or first in _NO_START
            or (first == "(" and prev in {".", "al."})
            or prev in {"al.", "e.g.", "i.e.", "vs.", "cf."}
        ):
            tok.is_sent_start = False
        elif prev in {"(", "["}:
            tok.is_sent_start = False  # "...surgery." (Smith, 2019): the bracket is a citation
        elif i > 1 and (prev == "\u201c" or (prev == '"' and doc[int(i) - 2].whitespace_)):
            tok.is_sent_start = False  # an opening quote starts the sentence it opens
            doc[int(i) - 1].is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def pipeline() -> Any:
    """The shared blank English pipeline (tokenizer + sentencizer + rule 2)."""
    import spacy
    from spacy.language import Language
    from spacy.symbols import ORTH

    if "citation_sentence_rules" not in Language.factories:
        Language.component("citation_sentence_rules", func=_no_false_starts)
    nlp = spacy.blank("en")
    for abbr in _ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbr, [{ORTH: abbr}])  # type: ignore[union-attr]
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("citation_sentence_rules", after="sentencizer")
    return nlp


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (white space at the edges excluded)."""
    return sentence_spans_many([text])[0]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _plain_breaks(text: str) -> Iterator[re.Match[str]]:
    """_PLAIN_BREAK.finditer(text); without "!" and "?", by the pattern led by the full stop."""
    pattern = _PLAIN_STOP if "!" not in text and "?" not in text else _PLAIN_BREAK
    return pattern.finditer(text)


def _plain_spans(text: str) -> list[tuple[int, int]]:
    """Rule 3: sentences of a text with no ambiguous full stop."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _plain_breaks(text):
        if span := _trimmed(text, start, m.end()):
            out.append(span)
        start = m.end()
    if span := _trimmed(text, start, len(text)):
        out.append(span)
    return out


def needs_pipeline(text: str) -> bool:
    """Does `text` hold a full stop that only the tokenizer's rules can place (an abbreviation,
    an initial, an ellipsis)?"""
    return "…" in text or _AMBIGUOUS.search(text) is not None


def _pipeline_spans(texts: list[str]) -> dict[str, list[tuple[int, int]]]:
    """The pipeline's sentences of each distinct text, in one pass (speed only: callers often
    pass the same stretch twice, a paragraph repeated in two sections, and the pipeline reads
    every text on its own)."""
    unique = list(dict.fromkeys(texts))
    done: dict[str, list[tuple[int, int]]] = {}
    for text, doc in zip(unique, pipeline().pipe(unique), strict=True):
        spans = (_trimmed(text, sent.start_char, sent.end_char) for sent in doc.sents)
        done[text] = [sp for sp in spans if sp]
    return done


def sentence_spans_many(texts: list[str]) -> list[list[tuple[int, int]]]:
    """`sentence_spans` for several texts: one pass of the pipeline over those that need it."""
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    hard = [i for i, t in enumerate(texts) if needs_pipeline(t)]
    for i, t in enumerate(texts):
        if i not in hard:
            out[i] = _plain_spans(t)
    if hard:
        done = _pipeline_spans([texts[i] for i in hard])
        for i in hard:
            out[i] = list(done[texts[i]])
    return out


# --- rule 4 ------------------------------------------------------------------------------------

Span = tuple[int, int]
_NOTHING, _OPEN, _UNSURE = 0, 1, 2  # what a run of non-space characters does (_run_ending)
# `re`'s \s is str.isspace(), where spaCy's tokenizer splits runs
_SPACE_RUN = re.compile(r"\s*")
_NON_SPACE = re.compile(r"\S*")


@lru_cache(maxsize=1)
def _stop_chars() -> tuple[re.Pattern[str], frozenset[str]]:
    """The sentencizer's sentence-final characters, and a pattern finding them (or any
    character beyond the BMP: a class holding those is scanned ten times slower)."""
    chars = frozenset(pipeline().get_pipe("sentencizer").punct_chars)
    bmp = "".join(re.escape(c) for c in sorted(chars) if ord(c) <= 0xFFFF)
    return re.compile(f"[{bmp}\U00010000-\U0010ffff]"), chars


def _stop_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of non-space characters holding a sentence-final character."""
    pattern, chars = _stop_chars()
    pos = 0
    while m := pattern.search(text, pos):
        at = m.start()
        if text[at] not in chars:  # a character beyond the BMP that ends no sentence
            pos = at + 1
            continue
        start = at
        while start and not text[start - 1].isspace():  # runs are short
            start -= 1
        pos = _NON_SPACE.match(text, at).end()  # type: ignore[union-attr]
        yield start, pos


@lru_cache(maxsize=1 << 14)
def _run_ending(run: str) -> int:
    """_NOTHING: no final-punctuation token in `run` (tokenized alone); _OPEN: it ends with one
    and punctuation only, so the next word starts a sentence; _UNSURE: a sentence would start
    inside the run, or it ends with an opening bracket or quote, by which rule 2 decides."""
    chars = _stop_chars()[1]
    tokens = pipeline().tokenizer(run)
    seen = False
    for tok in tokens:
        if tok.text in chars:
            seen = True
        elif seen and not tok.is_punct:
            return _UNSURE
    if not seen:
        return _NOTHING
    return _UNSURE if tokens[-1].text in ("(", "[", "\u201c") else _OPEN


def _sure_breaks(text: str) -> tuple[list[int], list[int]]:
    """Rule 4: (offsets where a sentence surely starts, offsets of runs only the pipeline can
    settle), in text order."""
    breaks: list[int] = []
    unsure: list[int] = []
    for start, end in _stop_runs(text):
        ending = _run_ending(text[start:end])
        if ending == _NOTHING:
            continue
        nxt = _SPACE_RUN.match(text, end).end()  # type: ignore[union-attr]
        first = text[nxt:nxt + 1]
        if ending == _UNSURE:
            unsure.append(start)
        elif not first:
            continue  # the end of the text
        elif nxt - end != 1 or text[end] != " " or "A" <= first <= "Z":
            # white space other than one space is a token of its own, where the sentence
            # starts (rule 2 keeps it): the text after it starts one either way
            breaks.append(nxt)
        elif not ("a" <= first <= "z" or "0" <= first <= "9"):
            unsure.append(start)
        # else: a start rule 2 drops ("... p. 5", "stop. and")
    return breaks, unsure


def sentences_holding(
    items: list[tuple[str, list[int]]],
) -> list[list[Span | None]]:
    """For each (text, offsets): the span of the sentence of `sentence_spans(text)` holding each
    offset (None where no sentence does), the pipeline reading only what rule 4 leaves open:
    one pass over those stretches."""
    out: list[list[Span | None]] = []
    todo: dict[str, list[tuple[int, int, int]]] = {}  # stretch -> (item, offset index, start)
    for k, (text, offsets) in enumerate(items):
        row: list[Span | None] = [None] * len(offsets)
        out.append(row)
        if needs_pipeline(text):
            breaks, unsure = _sure_breaks(text)
        else:  # rule 3: the sentences of _plain_spans, between its breaks
            breaks, unsure = [m.end() for m in _plain_breaks(text)], []
        for j, at in enumerate(offsets):
            i = bisect_right(breaks, at)
            lo = breaks[i - 1] if i else 0
            hi = breaks[i] if i < len(breaks) else len(text)
            if bisect_left(unsure, lo) < bisect_left(unsure, hi):
                todo.setdefault(text[lo:hi], []).append((k, j, lo))
            elif (span := _trimmed(text, lo, hi)) and span[0] <= at < span[1]:
                row[j] = span
    if todo:
        for stretch, spans in _pipeline_spans(list(todo)).items():
            for k, j, lo in todo[stretch]:
                at = items[k][1][j] - lo
                hit = next(((s, e) for s, e in spans if s <= at < e), None)
                out[k][j] = (lo + hit[0], lo + hit[1]) if hit else None
    return out
