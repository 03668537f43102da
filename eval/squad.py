"""Read SQuAD-format files (ARCD, TyDi QA GoldP, XQuAD): passages become documents, questions
become queries whose gold source is their own passage."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rag.text import detect_language


@dataclass(frozen=True)
class SquadPassage:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: list[str]
    passage_id: str
    language: str


def read_squad(path: Path) -> tuple[list[SquadPassage], list[SquadQuestion]]:
    data = json.loads(Path(path).read_text("utf-8"))["data"]
    passages: dict[str, SquadPassage] = {}
    questions: list[SquadQuestion] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"].strip()
            passage_id = "p-" + hashlib.sha1(context.encode("utf-8")).hexdigest()[:12]
            passages.setdefault(passage_id, SquadPassage(passage_id, article.get("title", ""), context))
            for qa in paragraph["qas"]:
                question = qa["question"].strip(" -\n\t")
                answers = [answer["text"] for answer in qa.get("answers", [])]
                questions.append(SquadQuestion(str(qa["id"]), question, answers, passage_id, detect_language(question)))
    return list(passages.values()), questions


def import_squad(path: Path, corpus_out: Path, set_out: Path) -> tuple[int, int, int]:
    """Write each passage as `<id>.txt` (title line, then the passage) and each question as a line
    of a question set. Near-duplicate passages are written once, as the corpus loader would keep
    them, and their questions point at the copy that is kept. Returns (passages, questions, merged)."""
    from rag.ingest.dedup import Deduplicator
    from rag.types import Document

    passages, questions = read_squad(path)
    corpus_out.mkdir(parents=True, exist_ok=True)
    dedup, kept_as, merged = Deduplicator(), {}, 0
    for passage in passages:
        duplicate = dedup.check(Document(passage.id, passage.title, passage.text, detect_language(passage.text)))
        if duplicate:
            kept_as[passage.id] = duplicate.of
            merged += 1
            continue
        title = " ".join(passage.title.replace("_", " ").split()) or passage.id
        (corpus_out / f"{passage.id}.txt").write_text(f"{title}\n{passage.text}\n", "utf-8")
    set_out.parent.mkdir(parents=True, exist_ok=True)
    with set_out.open("w", encoding="utf-8") as out:
        for q in questions:
            source = kept_as.get(q.passage_id, q.passage_id)
            row = {"id": q.id, "question": q.question, "answer": q.answers[0] if q.answers else None,
                   "sources": [f"{source}.txt"], "language": q.language, "answerable": True}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(passages) - merged, len(questions), merged
