"""The output contract: pydantic models users read (see contract.py)."""

from extractor.models.contract import *  # noqa: F403
from extractor.models.contract import SCHEMA_VERSION, Document  # noqa: F401
