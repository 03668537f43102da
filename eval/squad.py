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
