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
    # The chain behind the quote: who the sentence says is speaking, through which outlet, when
    # ({"speaker", "outlet", "date"}; None where the text and metadata do not say).
    attribution: dict[str, str | None] = field(default_factory=dict)

    def chain(self, arrow: str = "→") -> str:
        """"the Syrian Civil Defence → Anadolu → 2016-12": the links that are known."""
        return f" {arrow} ".join(str(v) for v in (self.attribution.get(k) for k in ("speaker", "outlet", "date")) if v)


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    support: float  # 0..1: how well the cited passage supports this sentence

    def marked(self) -> str:
        """The sentence with its [n] markers, as the answer text shows it."""
        return self.text + "".join(f" [{n}]" for n in self.citations)


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
    # The figures the reports give for what the question counts, when two articles give one:
    # {"value", "shown", "sources": [{"citation", "speaker"}]}; several figures when they differ.
    figures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def disagreement(self) -> bool:
        return len(self.figures) > 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def plain_text(self) -> str:
        """The answer with its [n] markers, then a numbered source list: what a reader copies."""
        sources = [f"[{c.n}] {c.title}{f' ({c.chain()})' if c.chain() else ''}\n    «{c.quote}»" for c in self.citations]
        return "\n\n".join([self.text, "\n".join(sources)]) if sources else self.text

