"""Question sets: JSONL, one object a line.

    {"id": "q1", "question": "...", "answer": "...", "sources": ["doc.txt"], "answerable": true,
     "language": "ar", "facts": ["100"]}

`answer`, `language` (detected when absent), `facts` (key facts; else taken from the answer) are
optional; `answerable` defaults to true; unknown fields are kept and ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.text import detect_language


@dataclass
class EvalQuestion:
    id: str
    question: str
    answer: str | None = None
    sources: list[str] = field(default_factory=list)
    answerable: bool = True
    language: str = ""
    facts: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


KNOWN = {"id", "question", "answer", "sources", "answerable", "language", "facts"}


def load_questions(path: Path) -> tuple[list[EvalQuestion], list[str]]:
    """The questions that parse, and one error line per malformed line (with its line number)."""
    questions, errors, seen = [], [], set()
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            questions.append(_question(json.loads(line), seen))
        except (json.JSONDecodeError, ValueError, TypeError) as error:
            errors.append(f"{path} line {number}: {error}")
    return questions, errors


def _question(row: Any, seen: set[str]) -> EvalQuestion:
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    question = row.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("missing 'question'")
    qid = str(row.get("id") or f"q{len(seen) + 1}")
    if qid in seen:
        raise ValueError(f"duplicate id {qid!r}")
    seen.add(qid)
    sources = row.get("sources") or []
    if not isinstance(sources, list):
        raise ValueError("'sources' must be a list of document ids")
    return EvalQuestion(id=qid, question=question.strip(), answer=row.get("answer"), sources=[str(s) for s in sources],
                        answerable=bool(row.get("answerable", True)),
                        language=row.get("language") or detect_language(question), facts=row.get("facts"),
                        extra={k: v for k, v in row.items() if k not in KNOWN})
