"""The output contract (../shared/docs/output-contract.md) as pydantic models.

These models are the single source of truth for the JSON users read: `schemas/` holds the JSON
Schema generated from them (scripts/gen_schemas.py) and a test proves it is current. Every model
rejects unknown keys, so a typo in an extractor fails loudly instead of leaking into the output.

Spans are `(start, end)` character offsets into the document's extracted text
(`source.text` when requested), so `text[start:end]` is the evidence for the item.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

Span = Annotated[tuple[int, int], Field(description="[start, end) offsets into source.text")]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="ISO 8601 date")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- every document --------------------------------------------------------------------------


class Source(Model):
    path: str | None = None
    sha256: str
    format: Literal["text", "pdf"]
    pages: int
    extractor_version: str
    encoding: str | None = Field(None, description="text input: the decoding used")
    text: str | None = Field(None, description="the extracted text all spans index (on request)")


class Section(Model):
    id: int = Field(description="index of this section in `sections`")
    kind: str = Field(description="canonical kind, e.g. description, clinical_indications")
    heading: str | None = Field(description="the heading as written; null for untitled text")
    level: int = Field(description="1 for top-level sections, 2+ for nested subsections")
    parent: int | None = Field(description="id of the enclosing section, null at top level")
    span: Span
    page: int | None = None
    text: str = Field(description="clean text of the section body, boilerplate removed")


class Removed(Model):
    span: Span
    page: int | None = None
    reason: str = Field(description="id of the rule that removed the text")
    text: str


class Issue(Model):
    code: str
    message: str
    span: Span | None = None


# --- guidelines ----------------------------------------------------------------------------


class GuidelineMetadata(Model):
    doc_id: str | None = None
    title: str | None = None
    doc_type: str | None = None
    publisher: str | None = None
    publish_date: IsoDate | None = None
    effective_date: IsoDate | None = None
    last_review_date: IsoDate | None = None
    status: str | None = None
    page_count: int | None = None


class CriteriaNode(Model):
    label: str | None = None
    text: str
    span: Span
    page: int | None = None
    op: Literal["all", "any", "at_least"] | None = None
    min: int | None = None
    children: list[CriteriaNode] = Field(default_factory=list)


class CriteriaBlock(Model):
    status: str
    statement: str
    span: Span
    page: int | None = None
    section: int | None = Field(None, description="id of the section the block sits in")
    logic: CriteriaNode


class CodeEntry(Model):
    code: str
    code_end: str | None = None
    description: str | None = None
    valid: bool | None = None
    expanded: list[str] = Field(default_factory=list)
    span: Span
    page: int | None = None


class CodeTable(Model):
    group: str
    group_heading: str | None = None
    system: str
    notes: list[str] = Field(default_factory=list)
    entries: list[CodeEntry] = Field(default_factory=list)
    span: Span | None = None


class Citation(Model):
    authors: list[str]
    year: str = Field(description="the four-digit year")
    year_suffix: str | None = Field(None, description='"a" in "2009a": which of an author\'s works')
    text: str
    span: Span
    page: int | None = None
    section: int | None = None
    sentence: str | None = Field(None, description="the sentence the citation supports")
    reference: int | None = Field(None, description="index into `references` when linked")


class Reference(Model):
    raw: str
    authors: list[str] = Field(default_factory=list)
    year: str | None = None
    year_suffix: str | None = None
    title: str | None = None
    journal: str | None = None
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    category: str | None = None
    span: Span
    page: int | None = None


class Definition(Model):
    term: str
    definition: str
    span: Span
    page: int | None = None


class RelatedDocument(Model):
    doc_id: str
    title: str | None = None
    span: Span | None = None


class HistoryRow(Model):
    status: str | None = None
    date: IsoDate | None = None
    action: str
    span: Span | None = None


# --- IMR letters ---------------------------------------------------------------------------


class ImrMetadata(Model):
    jurisdiction: str | None = None
    organization: str | None = None
    case_number: str | None = None
    date_assigned: IsoDate | None = None
    date_of_injury: IsoDate | None = None
    decision_date: IsoDate | None = None
    ur_denial_date: IsoDate | None = None
    application_received: IsoDate | None = None
    priority: str | None = None
    layout: str | None = Field(None, description="which letter layout was recognised")


class Reviewer(Model):
    licensure: list[str] = Field(default_factory=list)
    specialties: list[str] = Field(default_factory=list)
    board_certified: bool | None = None


class Patient(Model):
    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: IsoDate | None = None
    diagnoses: list[str] = Field(default_factory=list)


class GuidelineCitation(Model):
    text: str
    source: str | None = Field(None, description="MTUS, ACOEM, ODG, non_mtus, ...")
    title: str | None = None
    chapter: str | None = None
    sections: list[str] = Field(default_factory=list)
    pages: list[str] = Field(default_factory=list)
    year: str | None = Field(None, description="edition year of the guideline, as written")
    sources: list[str] = Field(
        default_factory=list, description="every source the text names (MTUS, ACOEM, ODG, ...)"
    )
    additional: list[GuidelineCitation] = Field(
        default_factory=list,
        description="further guidelines cited in the same text (a Non-MTUS citation after the "
        "MTUS one, a second MTUS chapter), each parsed like the first",
    )


class PartialRequest(Model):
    """A partly authorised request: what was asked, what the claims administrator authorised,
    and the remaining portion the review decided."""

    original: str
    authorized: str | None = None
    disputed: str | None = None


class Decision(Model):
    request: str
    outcome: Literal["upheld", "overturned"] | None
    medically_necessary: bool | None
    partial: PartialRequest | None = Field(
        None, description="for a partly authorised request, its parts as written"
    )
    claims_administrator_guideline: GuidelineCitation | None = None
    reviewer_guideline: GuidelineCitation | None = None
    rationale: str | None = None
    span: Span
    page: int | None = None


# --- the document --------------------------------------------------------------------------


class FrontMatter(Model):
    """Text before the first section heading: a policy's title block, a letter's header."""

    span: Span
    text: str


class _DocumentBase(Model):
    schema_version: str = SCHEMA_VERSION
    source: Source
    front_matter: FrontMatter | None = None
    sections: list[Section] = Field(default_factory=list)
    removed: list[Removed] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)


class GuidelineDocument(_DocumentBase):
    kind: Literal["guideline"] = "guideline"
    metadata: GuidelineMetadata = Field(default_factory=GuidelineMetadata)
    criteria: list[CriteriaBlock] = Field(default_factory=list)
    code_tables: list[CodeTable] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    definitions: list[Definition] = Field(default_factory=list)
    related_documents: list[RelatedDocument] = Field(default_factory=list)
    history: list[HistoryRow] = Field(default_factory=list)


class ImrDocument(_DocumentBase):
    kind: Literal["imr"] = "imr"
    metadata: ImrMetadata = Field(default_factory=ImrMetadata)
    reviewer: Reviewer = Field(default_factory=Reviewer)
    patient: Patient = Field(default_factory=Patient)
    decisions: list[Decision] = Field(default_factory=list)


class UnknownDocument(_DocumentBase):
    kind: Literal["unknown"] = "unknown"


Document = Annotated[
    GuidelineDocument | ImrDocument | UnknownDocument, Field(discriminator="kind")
]
