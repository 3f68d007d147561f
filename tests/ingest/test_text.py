from __future__ import annotations

import pytest

from extractor import errors
from extractor.ingest.text import decode, read_text, split_lines


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"abc", "abc", "utf-8"),
        (b"\xef\xbb\xbfabc", "abc", "utf-8"),  # BOM dropped
        ("é".encode("utf-16"), "é", "utf-16"),
        ("café".encode("cp1252"), "café", "cp1252"),  # fallback, with an issue
    ],
)
def test_text_decode_encodings(data: bytes, text: str, encoding: str) -> None:
    got, enc, issues = decode(data)
    assert (got, enc) == (text, encoding)
    assert bool(issues) == (encoding == "cp1252")


def test_text_decode_rejects_binary() -> None:
    with pytest.raises(errors.ExtractorError) as exc:
        decode(bytes(range(256)) * 4)
    assert exc.value.code == errors.E_UNSUPPORTED


def test_text_split_lines_offsets_and_pages() -> None:
    text = "  first line  \n\nsecond\fthird\n"
    pages, lines = split_lines(text)
    assert [ln.text for ln in lines] == ["first line", "second", "third"]
    assert all(text[ln.start : ln.end] == ln.text for ln in lines)
    assert [ln.page for ln in lines] == [1, 1, 2]
    assert [p.number for p in pages] == [1, 2]
    assert lines[1].gap_before == 1


def test_text_crlf_normalised() -> None:
    raw = read_text(b"a\r\nb\rc\n", sha256="x")
    assert raw.text == "a\nb\nc\n"
    assert [ln.text for ln in raw.lines] == ["a", "b", "c"]


@pytest.mark.parametrize("data", [b"", b"   \n\t\n"])
def test_text_empty_is_an_error(data: bytes) -> None:
    with pytest.raises(errors.ExtractorError) as exc:
        read_text(data, sha256="x")
    assert exc.value.code == errors.E_EMPTY
