"""What the answer chain returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Citation:
    """Passage [n] as cited: `quote` is document.text[start:end], the sentence that supports the claim."""

    n: int
    doc_id: str
    title: str
    metadata: dict[str, Any]
    quote: str
    start: int
    end: int


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    support: float  # 0..1: how well the cited passage supports this sentence


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    language: str
    mode: str  # "llm", "llm-repaired", "extractive", "extractive-fallback", "abstained"
    timings: dict[str, float] = field(default_factory=dict)
    sentences: list[AnswerSentence] = field(default_factory=list)
    question: str = ""  # the standalone question that was searched

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def plain_text(self) -> str:
        """The answer with its [n] markers, then a numbered source list: what a reader copies."""
        sources = [f"[{c.n}] {c.title}{_outlet_and_date(c.metadata)}\n    «{c.quote}»" for c in self.citations]
        return "\n\n".join([self.text, "\n".join(sources)]) if sources else self.text


def _outlet_and_date(metadata: dict[str, Any]) -> str:
    facts = [str(metadata[key]) for key in ("source", "date") if metadata.get(key)]
    return f" ({', '.join(facts)})" if facts else ""
