#!/usr/bin/env python3
"""Write schemas/document.schema.json from the models; --check fails if it is stale."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    from extractor.schema import document_schema
except ImportError:  # started by an interpreter without the dependencies: use the project's
    _venv = ROOT / ".venv" / "bin" / "python"
    if _venv.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(str(_venv), [str(_venv), *sys.argv])
    raise

TARGET = ROOT / "schemas" / "document.schema.json"


def render() -> str:
    return json.dumps(document_schema(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is stale: run scripts/gen_schemas.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
