"""IMR letters: header fields, reviewer, patient and one decision per disputed item."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.context import Context
from extractor.models.contract import Decision, ImrMetadata, Patient, Reviewer


@dataclass
class ImrFields:
    metadata: ImrMetadata = field(default_factory=ImrMetadata)
    reviewer: Reviewer = field(default_factory=Reviewer)
    patient: Patient = field(default_factory=Patient)
    decisions: list[Decision] = field(default_factory=list)


def extract(ctx: Context) -> ImrFields:
    return ImrFields()  # TODO(issue 4)
