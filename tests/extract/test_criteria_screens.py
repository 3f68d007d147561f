"""criteria.toml screens: every match of a screened pattern holds one of its screen words."""

from __future__ import annotations

import pytest

from extractor.extract import criteria
from extractor.rules import load
from extractor.textutil import split_alternatives

_SCREENED = [
    (table, item) for table in ("status", "op", "default") for item in load("criteria")[table]
]


@pytest.mark.parametrize(("table", "item"), _SCREENED,
                         ids=[f"{t}.{i['id']}" for t, i in _SCREENED])
def test_criteria_screen_words_name_every_alternative(table: str, item: dict[str, str]) -> None:
    words = item.get("screen", [])
    assert words, f"{table}.{item['id']}: no screen"
    assert all(w == w.lower() and w.strip() == w and w for w in words)
    for alt in split_alternatives(item["pattern"]):
        assert any(w in alt.lower() for w in words), (item["id"], alt)


@pytest.mark.parametrize(
    ("text", "admitted"),
    [
        ("This is considered Investigational.", True),
        ("This is considered experimental", True),
        ("This is considered medically necessary", False),
        ("Ceci est considéré « investigational »", True),  # not ASCII: the regex module decides
        ("Diese Stra\u00dfe ist unproven", True),
        ("Diese Stra\u00dfe ist bewiesen", False),
    ],
)
def test_criteria_screen_admits(text: str, admitted: bool) -> None:
    r = criteria._rules()
    screen = next(s for st, _, _, s in r.status if "unproven" in s.words)
    assert screen.admits(r.status_screens.present(text)) is admitted
