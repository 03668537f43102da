"""The bar an article in another language than the question's must pass to be gathered into a
multi-source answer (`Calibration.min_gathered_across`).

Across languages no word of the question backs a pick, so the bar must hold precision by itself.
On xquad-dev, each English question is searched over the Arabic paragraphs (top 10); the best
sentence score of its own paragraph is a right pick, that of each other paragraph retrieved (most
are paragraphs of the same Wikipedia article: the same subject, another fact) an unrelated one.
Prints, for a range of bars, the share of each kept, and the lowest bar admitting at most 4% of
the unrelated ones.

    python -m eval.calibrate_gathering [--data ../shared/data] [--cache DIR] [--model NAME]
"""

from __future__ import annotations


import numpy as np

from embeddings import Embedder
from eval.benchmark_gate import xquad_assistant
from eval.benchmark_retrieval import XQUAD, benchmark_arguments, read_set
from rag.config import Settings

UNRELATED_ADMITTED = 0.04
SEARCHED = 10


def best_sentence_scores(assistant, questions) -> tuple[np.ndarray, np.ndarray]:
    """The best sentence score of each question's own paragraph, and of every other paragraph retrieved."""
    right, unrelated = [], []
    for question in questions:
        passages = assistant._search(question.question, SEARCHED, None)
        best: dict[str, float] = {}
        for n, _, score in assistant.checker.best_sentences(question.question, passages, limit=1000, minimum=-1.0):
            best.setdefault(passages[n - 1].doc_id, score)
        if question.passage_id in best:
            right.append(best.pop(question.passage_id))
        unrelated += list(best.values())
    return np.array(right), np.array(unrelated)


def main() -> None:
    args = benchmark_arguments(__doc__).parse_args()
    embedder = Embedder(Settings.from_env(embedding_model=args.model).embedding_model)
    _, questions = read_set(args.data, XQUAD.format("ar"), XQUAD.format("en"))
    with xquad_assistant(args.data, args.cache, embedder) as assistant:
        right, unrelated = best_sentence_scores(assistant, questions)
    print(f"{embedder.model_name}: {len(right)} English questions over Arabic paragraphs, {len(unrelated)} other paragraphs")
    bars = np.round(np.arange(0.20, 0.80, 0.01), 2)
    for bar in bars[::5]:
        print(f"bar {bar:.2f}: right kept {(right >= bar).mean():.1%}, unrelated admitted {(unrelated >= bar).mean():.1%}")
    chosen = next(bar for bar in bars if (unrelated >= bar).mean() <= UNRELATED_ADMITTED)
    print(f"lowest bar admitting <= {UNRELATED_ADMITTED:.0%} of unrelated paragraphs: {chosen:.2f} "
          f"(right kept {(right >= chosen).mean():.1%}, unrelated admitted {(unrelated >= chosen).mean():.1%})")


if __name__ == "__main__":
    main()
