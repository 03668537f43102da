"""English answers from Arabic sources: English xquad-dev questions asked over the Arabic paragraphs.

For each question: does the answer hold the reference fact (its Arabic or its English answer
span, after normalisation), is it written in English, does every citation support its sentence
(the grounding checker), and how long until the first token. The index of the Arabic paragraphs
is built once (kept with `--cache`).

    python -m eval.benchmark_xquad_answers [--questions 200] [--llm local] [--cache DIR]
"""

from __future__ import annotations

import statistics

from embeddings import Embedder
from eval.benchmark_gate import xquad_assistant
from eval.benchmark_retrieval import XQUAD, benchmark_arguments, read_set
from eval.runner import EvalRun
from rag.config import Settings
from rag.answer.llm.backends import load_backend
from rag.text import detect_language, normalise


def holds_fact(answer: str, references: list[str]) -> bool:
    text = normalise(answer)
    return any(reference and normalise(reference) in text for reference in references)


def main() -> None:
    parser = benchmark_arguments(__doc__)
    parser.add_argument("--questions", type=int, default=200, help="the first N English questions")
    parser.add_argument("--llm", default="local", help="answer backend (local, extractive, ...)")
    args = parser.parse_args()
    embedder = Embedder(Settings.from_env(embedding_model=args.model).embedding_model)
    _, arabic = read_set(args.data, XQUAD.format("ar"), XQUAD.format("ar"))
    _, english = read_set(args.data, XQUAD.format("ar"), XQUAD.format("en"))
    references = {q.id: q.answers for q in arabic}
    with xquad_assistant(args.data, args.cache, embedder) as assistant:
        assistant.backend = load_backend(args.llm, assistant.settings)
        judge, rows = EvalRun(assistant, progress_bar=False), []
        for question in english[:args.questions]:
            answer = assistant.ask(question.question)
            scores = judge._citation_scores(answer, [])  # ALCE precision: each citation supports its sentence
            rows.append({"fact": holds_fact(answer.text, references[question.id] + question.answers),
                         "english": not answer.abstained and detect_language(answer.text.splitlines()[-1]) == "en",
                         "abstained": answer.abstained, "supported": scores["citation_precision"] == 1.0,
                         "mode": answer.mode,
                         "first_token": answer.timings.get("first_token", answer.timings.get("total", 0.0))})
    count = len(rows)
    print(f"{count} English xquad-dev questions over the Arabic paragraphs, --llm {args.llm}")
    print(f"reference fact in the answer  {sum(r['fact'] for r in rows) / count:.1%}")
    print(f"answer written in English     {sum(r['english'] for r in rows) / count:.1%}")
    print(f"refused                       {sum(r['abstained'] for r in rows) / count:.1%}")
    print(f"every citation supports       {sum(r['supported'] for r in rows if not r['abstained']) / max(1, sum(not r['abstained'] for r in rows)):.1%}")
    print(f"answer modes                  {dict((m, sum(r['mode'] == m for r in rows)) for m in {r['mode'] for r in rows})}")
    print(f"first token median            {statistics.median(r['first_token'] for r in rows):.2f} s")


if __name__ == "__main__":
    main()
