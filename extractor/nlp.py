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

Building the pipeline costs a few hundred milliseconds and running it about 10 ms per seed-sized
document, so callers pass only the text that needs sentence structure, and rule 3 keeps the
pipeline for the text where its token rules decide.
"""

from __future__ import annotations

import re
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
# full stops the plain rule cannot place: abbreviations, initials ("J. Smith", "U.S."),
# ellipses, a full stop before a lower-case word or a digit
_AMBIGUOUS = re.compile(
    r"\b(?:al|e\.g|i\.e|vs|cf|ca|approx|etc|Fig|Figs|Ref|No|Nos|Dr|Drs|St|Inc|Ltd|Co|Corp|Jr|Sr|"
    r"Vol|pp|ed|eds|Dept|Univ|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Za-z])\.(?=\s|$)"
    r"|\.\.|…|\.\s+[a-z0-9]"
)


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


def _plain_spans(text: str) -> list[tuple[int, int]]:
    """Rule 3: sentences of a text with no ambiguous full stop."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _PLAIN_BREAK.finditer(text):
        if span := _trimmed(text, start, m.end()):
            out.append(span)
        start = m.end()
    if span := _trimmed(text, start, len(text)):
        out.append(span)
    return out


def needs_pipeline(text: str) -> bool:
    """Does `text` hold a full stop that only the tokenizer's rules can place (an abbreviation,
    an initial, an ellipsis)?"""
    return _AMBIGUOUS.search(text) is not None


def sentence_spans_many(texts: list[str]) -> list[list[tuple[int, int]]]:
    """`sentence_spans` for several texts: one pass of the pipeline over those that need it."""
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    hard = [i for i, t in enumerate(texts) if needs_pipeline(t)]
    for i, t in enumerate(texts):
        if i not in hard:
            out[i] = _plain_spans(t)
    if hard:
        # each distinct text runs once (speed only): callers often pass the same stretch twice
        # (a paragraph repeated in two sections) and the pipeline reads every text on its own
        unique = list(dict.fromkeys(texts[i] for i in hard))
        done: dict[str, list[tuple[int, int]]] = {}
        for text, doc in zip(unique, pipeline().pipe(unique), strict=True):
            spans = (_trimmed(text, sent.start_char, sent.end_char) for sent in doc.sents)
            done[text] = [sp for sp in spans if sp]
        for i in hard:
            out[i] = list(done[texts[i]])
    return out
