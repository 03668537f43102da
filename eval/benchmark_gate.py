"""Refusals: does the chain answer what the corpus answers and refuse what it does not?

Unanswerable questions are made by asking one corpus another corpus's questions: the xquad-dev
questions (Arabic and English) of the seed articles, and the project's seed questions of the
xquad-dev paragraphs. Answerable ones are xquad-dev's (both languages) over its own paragraphs,
a sample of ARCD, and the project's own sets over the seed articles (those marked answerable).
Prints, for the relevance gate of the index's embedding model (rag.config.CALIBRATIONS), the
share of unanswerable questions refused and of answerable ones falsely refused, and the best
dense score of each group, which is what the gate's thresholds were chosen from.

    python -m eval.benchmark_gate [--data ../shared/data] [--cache DIR] [--arcd N] [--model NAME]
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from embeddings import Embedder
from eval.benchmark_retrieval import XQUAD, benchmark_arguments, read_set
from eval.questions import load_questions
from eval.squad import read_squad
from rag.answer.assistant import Assistant
from rag.config import Settings
from rag.index.indexer import Indexer
from rag.answer.llm.backends import load_backend
from rag.ingest.loaders import CorpusLoader
from rag.search.retriever import Retriever
from rag.text import detect_language
from rag.types import Document

SETS = Path(__file__).parent / "sets"
OWN_SETS = ("seed-questions.jsonl", "cross-lingual-questions.jsonl")


def squad_documents(path: Path) -> list[Document]:
    passages, _ = read_squad(path)
    return [Document(p.id, p.title, p.text, detect_language(p.text), {}, p.id) for p in passages]


def open_assistant(documents: list[Document], embedder: Embedder, folder: Path) -> Assistant:
    Indexer(folder, embedder, progress_bar=True).run(documents)
    settings = Settings.from_env(llm="extractive")
    return Assistant(Retriever.open(folder, embedder=embedder), load_backend("extractive", settings), settings)


@contextmanager
def xquad_assistant(data: Path, cache: Path | None, embedder: Embedder) -> Iterator[Assistant]:
    """An extractive assistant over xquad-dev's Arabic paragraphs, indexed once under `cache`
    (or in a temporary folder removed afterwards)."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = (cache or Path(temporary)) / embedder.model_name.replace("/", "_") / "xquad-dev" / "index"
        yield open_assistant(squad_documents(data / XQUAD.format("ar")), embedder, folder)


def gate(assistant: Assistant, questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per question: refused by the relevance gate, and the best passage's dense score."""
    refused, best = [], []
    for question in questions:
        passages = assistant._search(question, 5, None)
        refused.append(not assistant._relevant(question, passages))
        best.append(max((p.dense_score for p in passages), default=0.0))
    return np.array(refused), np.array(best)


def report(name: str, refused: np.ndarray, best: np.ndarray, answerable: bool) -> None:
    share = refused.mean()
    label = "falsely refused" if answerable else "refused"
    print(f"{name:<42}{len(refused):>6}  {label} {share:7.1%}   best dense "
          f"p5 {np.percentile(best, 5):.3f}  median {np.median(best):.3f}  p95 {np.percentile(best, 95):.3f}")


def main() -> None:
    parser = benchmark_arguments(__doc__)
    parser.add_argument("--arcd", type=int, default=300, help="ARCD questions sampled (seeded)")
    args = parser.parse_args()
    embedder = Embedder(Settings.from_env(embedding_model=args.model).embedding_model)
    own = [q for name in OWN_SETS for q in load_questions(SETS / name)[0]]
    _, xquad_ar = read_set(args.data, XQUAD.format("ar"), XQUAD.format("ar"))
    _, xquad_en = read_set(args.data, XQUAD.format("ar"), XQUAD.format("en"))
    arcd_questions = read_squad(args.data / "arcd/arcd.json")[1]
    arcd_sample = random.Random(0).sample(arcd_questions, min(args.arcd, len(arcd_questions)))
    with tempfile.TemporaryDirectory() as temporary:
        cache = (args.cache or Path(temporary)) / embedder.model_name.replace("/", "_")
        corpus = Path(__file__).resolve().parents[1] / "corpus"
        seed = open_assistant(CorpusLoader().run([corpus]).documents, embedder, cache / "seed" / "index")
        xquad = open_assistant(squad_documents(args.data / XQUAD.format("ar")), embedder, cache / "xquad-dev" / "index")
        arcd = open_assistant(squad_documents(args.data / "arcd/arcd.json"), embedder, cache / "arcd" / "index")
        print(f"\nrelevance gate of {embedder.model_name}: {seed.calibration}")
        rows = [
            ("unanswerable: xquad-dev ar -> seed", seed, [q.question for q in xquad_ar], False),
            ("unanswerable: xquad-dev en -> seed", seed, [q.question for q in xquad_en], False),
            ("unanswerable: own sets -> xquad-dev", xquad, [q.question for q in own], False),
            ("unanswerable: own sets (marked) -> seed", seed, [q.question for q in own if not q.answerable], False),
            ("answerable: xquad-dev ar", xquad, [q.question for q in xquad_ar], True),
            ("answerable: xquad-dev en -> ar", xquad, [q.question for q in xquad_en], True),
            (f"answerable: ARCD sample", arcd, [q.question for q in arcd_sample], True),
            ("answerable: own sets -> seed", seed, [q.question for q in own if q.answerable], True),
        ]
        totals = {True: [], False: []}
        for name, assistant, questions, answerable in rows:
            refused, best = gate(assistant, questions)
            report(name, refused, best, answerable)
            totals[answerable].append(refused)
        print(f"\nunanswerable refused {np.concatenate(totals[False]).mean():.1%}; "
              f"answerable falsely refused {np.concatenate(totals[True]).mean():.1%}")


if __name__ == "__main__":
    main()
