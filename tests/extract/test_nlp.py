"""extractor.nlp: the sentence holding an offset (rule 4) is the one the pipeline finds in the
whole text, however little of the text the pipeline reads."""

from __future__ import annotations

import random

import pytest

from extractor.nlp import needs_pipeline, pipeline, sentences_holding


def _by_pipeline(text: str) -> list[tuple[int, int]]:
    spans = []
    for sent in pipeline()(text).sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def _assert_same_everywhere(text: str) -> None:
    whole = _by_pipeline(text)
    offsets = list(range(len(text)))
    got = sentences_holding([(text, offsets)])[0]
    for at, span in zip(offsets, got, strict=True):
        expected = next(((s, e) for s, e in whole if s <= at < e), None)
        assert span == expected, (text, at)


TRICKY = [
    # abbreviations and initials start nothing; a stop before a capital does
    "Ashgrove et al. (2016) reported gains, e.g. in adults. The U.S. agency agreed (FDA, 2020).",
    "J. Smith and Co. Ltd. wrote to Dr. Quorn. Vol. 3 followed, vs. none. Fig. 2 shows it.",
    # a stop before a lower-case word or a digit: rule 2 drops the start
    "It rose by 5 pts. and then fell. See p. 5 of the report. Next (Quorn, 2011).",
    # quotes and brackets after a stop: only the pipeline decides
    'Quorn et al. said. "The widget works." (Quorn, 2011). Then “A quote.” Done. (See it.) End.',
    "A stop.(Baxley, 2014) then text. [Tamsin, 2019] more. Word.The end... and … dots.",
    # white space other than one space is a token of its own
    "First part ends.  the second\tpart. Third\u00a0part. \u2009Fourth one (Quorn, 2011).",
    "Ends here.\n\nnew paragraph. Shouting! Asking? Both?! Closing.) Done.] Over.”",
    # sentence-final characters of other scripts, and characters beyond the BMP
    "Mixed text。 Next one！ Then \U0001d400. More\U00011047 Last e.g. (Quorn, 2011).",
]


@pytest.mark.parametrize("text", TRICKY)
def test_nlp_sentence_holding_matches_the_whole_text(text: str) -> None:
    assert needs_pipeline(text)
    _assert_same_everywhere(text)


def test_nlp_sentence_holding_random_texts() -> None:
    pieces = ["The", "results", "were", "good.", "et", "al.", "(2013)", "(Smith,", "2019).", "e.g.,",
              "U.S.", "said.", '"The', "“Quoted", "words.”", "word.The", "3.5", "p.", "5", "the",
              "(see", "[1].", "Mass.", "J.", "...", "…", "end!", "why?", "“", '"', "(", ")", ".",
              "Fig.", "i.e.", "etc.)", "x.(", "fin。", ").", '").', "A.", "‘Single", "end.’",
              "US$5", "stop.;", "q.[", "Übel", "ñu"]
    spaces = [" ", " ", " ", "  ", "\t", " \u00a0", "\n"]
    rng = random.Random(7)
    for _ in range(150):
        words = rng.choices(pieces, k=rng.randint(3, 18))
        text = "".join(w + rng.choice(spaces) for w in words).strip()
        if needs_pipeline(text):
            _assert_same_everywhere(text)


def test_nlp_sentence_holding_plain_text_splits_without_the_pipeline() -> None:
    text = "Widgets help. Kestrel and colleagues (2013) found no benefit (Quorn, 2011). Done."
    assert not needs_pipeline(text)
    at = text.index("Kestrel")
    [[span]] = sentences_holding([(text, [at])])
    assert span is not None
    assert text[span[0]:span[1]] == ("Kestrel and colleagues (2013) found no benefit "
                                     "(Quorn, 2011).")
