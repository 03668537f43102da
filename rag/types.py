"""Small shared dataclasses passed between the pipeline's components."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One article: its id is its path relative to the corpus root (or the row id of a table)."""

    id: str
    title: str
    text: str
    language: str
    metadata: dict[str, Any] = field(default_factory=dict)
    content_hash: str = ""


@dataclass(frozen=True)
class Chunk:
    """A slice of a document's text; `start`/`end` are character offsets into `Document.text`."""

    chunk_id: int
    doc_id: str
    title: str
    text: str
    start: int
    end: int
    language: str
    metadata: dict[str, Any] = field(default_factory=dict)
    # Who each attributed sentence says is speaking: {"start", "end" (offsets into the document), "speaker"}.
    attributions: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Passage:
    """A retrieved chunk with its fused score (what `Retriever.search` returns)."""

    doc_id: str
    title: str
    text: str
    score: float
    start: int
    end: int
    metadata: dict[str, Any]
    language: str = ""
    chunk_id: int = -1
    dense_score: float = 0.0    # blended cosine similarity, comparable across queries
    lexical_score: float = 0.0  # BM25 scaled to the query's best match, 0 across languages
    attributions: list[dict[str, Any]] = field(default_factory=list)  # as the chunk stores them

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
