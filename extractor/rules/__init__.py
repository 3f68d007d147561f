"""Rule data (TOML files beside this module) and their loader.

Rules are data so that a new publisher's conventions are a data change, not a code change.
The loader checks every file against its expected keys and reports all problems at once.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import regex


class RuleError(ValueError):
    """A rule file is malformed; the message lists every problem found."""


@cache
def load(name: str) -> dict[str, Any]:
    """Parse `extractor/rules/<name>.toml` once per process."""
    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{name}.toml: {exc}") from None


def compile_all(
    name: str, items: list[dict[str, Any]], key: str = "pattern", allowed: set[str] | None = None
) -> list[tuple[str, regex.Pattern[str]]]:
    """Compile `(id, pattern)` pairs, collecting every bad entry before failing."""
    problems: list[str] = []
    out: list[tuple[str, regex.Pattern[str]]] = []
    for i, item in enumerate(items):
        rid = item.get("id", f"#{i}")
        if allowed is not None and (extra := set(item) - allowed):
            problems.append(f"{name}: rule {rid}: unknown keys {sorted(extra)}")
        try:
            out.append((rid, regex.compile(item[key], regex.I | regex.V1)))
        except KeyError:
            problems.append(f"{name}: rule {rid}: missing '{key}'")
        except regex.error as exc:
            problems.append(f"{name}: rule {rid}: bad pattern: {exc}")
    if problems:
        raise RuleError("\n".join(problems))
    return out
