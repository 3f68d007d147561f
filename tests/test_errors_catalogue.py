"""docs/errors.md lists every error and issue code the package can emit, with what to do
(issue 6.4): a code added anywhere in `extractor/` without a catalogue entry fails here."""

from __future__ import annotations

import re
from pathlib import Path

from extractor import errors

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "errors.md"
CODE = re.compile(r"\b[EI]_[A-Z][A-Z0-9_]{2,}\b")
ENTRY = re.compile(r"^\|\s*`([EI]_[A-Z0-9_]+)`\s*\|\s*(.+?)\s*\|\s*(.+?)\s*\|\s*$", re.M)


def codes_in_package() -> dict[str, str]:
    """Every code-shaped token in the package's code and rule files -> where it was seen."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "extractor").rglob("*")):
        if path.suffix not in {".py", ".toml", ".json"}:
            continue
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def catalogue() -> dict[str, tuple[str, str]]:
    text = CATALOGUE.read_text(encoding="utf-8")
    return {m.group(1): (m.group(2), m.group(3)) for m in ENTRY.finditer(text)}


def test_errors_catalogue_lists_every_code_used() -> None:
    documented = catalogue()
    missing = {c: where for c, where in codes_in_package().items() if c not in documented}
    assert not missing, f"codes used but not in docs/errors.md: {missing}"


def test_errors_catalogue_lists_every_error_constant() -> None:
    constants = {v for k, v in vars(errors).items() if k.startswith("E_") and isinstance(v, str)}
    assert constants - set(catalogue()) == set()


def test_errors_catalogue_has_no_stale_codes() -> None:
    used = set(codes_in_package())
    stale = sorted(set(catalogue()) - used)
    assert not stale, f"documented codes no longer in the package: {stale}"


def test_errors_catalogue_says_what_to_do_for_each_code() -> None:
    for code, (meaning, action) in catalogue().items():
        assert len(meaning) > 20 and len(action) > 10, code


def test_errors_catalogue_scan_finds_codes() -> None:
    """The scan itself must work: it sees codes from errors.py and from an extractor."""
    used = codes_in_package()
    assert used.get("E_PDF_PASSWORD") == "extractor/errors.py"
    assert "I_DECODING_FALLBACK" in used
