from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from extractor.document import Line
from extractor.textmap import TextMap


def _lines(source: str) -> list[Line]:
    out, pos = [], 0
    for k, part in enumerate(source.split("\n")):
        if part:
            out.append(Line(pos, pos + len(part), part, 1, k))
        pos += len(part) + 1
    return out


def test_textmap_maps_clean_offsets_back_to_source() -> None:
    source = "alpha beta\ngamma\n\ndelta"
    tm = TextMap(_lines(source), ["\n", " "])
    assert tm.text == "alpha beta\ngamma delta"
    i = tm.text.index("gamma delta")
    start, end = tm.source_span(i, i + len("gamma delta"))
    assert source[start:end] == "gamma\n\ndelta"
    j = tm.text.index("beta")
    assert source[slice(*tm.source_span(j, j + 4))] == "beta"


@given(st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=12).map(str.strip).filter(bool),
                min_size=1, max_size=8))
def test_textmap_every_word_maps_to_itself(parts: list[str]) -> None:
    source = "\n".join(parts)
    tm = TextMap(_lines(source))
    pos = 0
    for word in tm.text.split(" "):
        if not word:
            pos += 1
            continue
        i = tm.text.index(word, pos)
        s, e = tm.source_span(i, i + len(word))
        assert source[s:e] == word
        pos = i + len(word)
