"""Shared fixtures: the project's sample corpus and, where present, the real corpus in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "corpus"
SEED_GUIDELINE = CORPUS / "000_3c9108d2bda88d0b.txt"
SEED_IMR = CORPUS / "004_04ef298ccf17e118.txt"


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """../shared/corpus (real documents, not shipped): skip with a reason where absent."""
    if not (SHARED / "gold").is_dir():
        pytest.skip(f"real corpus not present at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def seed_guideline():
    from extractor import parse_path

    return parse_path(SEED_GUIDELINE, include_text=True)


@pytest.fixture(scope="session")
def seed_imr():
    from extractor import parse_path

    return parse_path(SEED_IMR, include_text=True)
