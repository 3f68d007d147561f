"""extractor: US health plans' coverage documents and IMR letters -> structured JSON.

Library use:
    from extractor import parse_path, parse_text
    doc = parse_path("CG-MED-28.pdf")          # a pydantic model of the output contract
    doc.model_dump_json()                      # the JSON the CLI writes
"""

__version__ = "0.1.0"

from extractor.errors import ExtractorError  # noqa: E402
from extractor.pipeline import parse_bytes, parse_path, parse_text  # noqa: E402

__all__ = ["ExtractorError", "__version__", "parse_bytes", "parse_path", "parse_text"]
