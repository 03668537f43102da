"""Multi-source answers: the questions of `eval/sets/multi-source.jsonl` (lists, comparisons,
disagreements over the seed articles and FA-KES, Arabic and English; 5 not in the corpus) asked of
one index holding both corpora.

For each answer mode it prints the share of answerable questions whose answer cites every gold
article, the share holding every reference fact, the share of disagreement questions named as
such, and refusals (of the unanswerable questions, and false ones of the answerable).

    python -m eval.benchmark_multisource [--llm extractive,local] [--cache DIR]
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from embeddings import Embedder
from eval.benchmark_gate import open_assistant
from eval.benchmark_retrieval import benchmark_arguments
from eval.benchmark_xquad_answers import holds_fact
from rag.config import Settings
from rag.answer.llm.backends import load_backend
from rag.ingest.loaders import CorpusLoader

QUESTIONS = Path(__file__).parent / "sets" / "multi-source.jsonl"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def score(assistant, questions: list[dict]) -> dict[str, float]:
    rows = []
    for question in questions:
        answer = assistant.ask(question["question"])
        cited = {citation.doc_id for citation in answer.citations}
        rows.append({"answerable": question["answerable"], "abstained": answer.abstained,
                     "all_sources": set(question["sources"]) <= cited,
                     "all_facts": all(holds_fact(answer.text, [fact]) for fact in question["facts"]),
                     "asked_disagreement": question["disagreement"], "named_disagreement": answer.disagreement})
    answerable = [r for r in rows if r["answerable"]]
    disagreements = [r for r in answerable if r["asked_disagreement"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    share = lambda selected, key: sum(r[key] for r in selected) / max(len(selected), 1)  # noqa: E731
    return {"cites every gold article": share(answerable, "all_sources"),
            "holds every reference fact": share(answerable, "all_facts"),
            "disagreements named": share(disagreements, "named_disagreement"),
            "unanswerable refused": share(unanswerable, "abstained"),
            "answerable falsely refused": share(answerable, "abstained")}


def main() -> None:
    parser = benchmark_arguments(__doc__)
    parser.add_argument("--llm", default="extractive,local", help="comma-separated answer modes")
    args = parser.parse_args()
    questions = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines() if line.strip()]
    embedder = Embedder(Settings.from_env(embedding_model=args.model).embedding_model)
    documents = CorpusLoader().run([CORPUS, args.data / "fa-kes" / "fakes.csv"]).documents
    with tempfile.TemporaryDirectory() as temporary:
        folder = (args.cache or Path(temporary)) / embedder.model_name.replace("/", "_") / "seed+fa-kes" / "index"
        assistant = open_assistant(documents, embedder, folder)
        answerable = sum(q["answerable"] for q in questions)
        print(f"{len(questions)} questions ({answerable} answerable, "
              f"{sum(q['disagreement'] for q in questions)} disagreements), {len(documents)} articles")
        for mode in args.llm.split(","):
            assistant.backend = load_backend(mode, assistant.settings)
            for name, value in score(assistant, questions).items():
                print(f"{mode:11} {name:28} {value:.1%}")


if __name__ == "__main__":
    main()
