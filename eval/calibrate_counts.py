"""The bar a count's words must pass to count what a "how many" question asks about, across
languages (`Calibration.min_count_similarity`).

Across languages no word of the question can be looked for beside a number, so a count is judged
by meaning: the words around it ("مع 24 اعتراضاً ومتمتعاً") against the question's counted thing
("interceptions"). On xquad-dev, each English "how many" question is searched over the Arabic
paragraphs (top 5); the count phrases of the retrieved passages that hold the reference answer
are right ones, every other count phrase of the same passages is another count. Prints the share
of each above a range of bars, and the bar that best tells them apart (the most right ones kept
less other counts admitted).

    python -m eval.calibrate_counts [--data ../shared/data] [--cache DIR] [--model NAME]
"""

from __future__ import annotations


import numpy as np

from embeddings import Embedder
from eval.benchmark_gate import xquad_assistant
from eval.benchmark_retrieval import XQUAD, benchmark_arguments, read_set
from rag.answer.quantities import asked_thing, asks_how_many, count_phrases
from rag.config import Settings
from rag.text import normalise

SEARCHED = 5


def count_similarities(assistant, questions, references) -> tuple[np.ndarray, np.ndarray]:
    """Per question, the similarity of its counted thing to each right count phrase and to each other one."""
    right, other = [], []
    for question in questions:
        thing = asked_thing(question.question)
        answers = [normalise(answer) for answer in references[question.id] if answer.strip()]
        passages = assistant._search(question.question, SEARCHED, None)
        phrases = sorted({phrase for passage in passages for phrase in count_phrases(passage.text)})
        if not thing or not phrases:
            continue
        for phrase, similarity in zip(phrases, assistant.checker.count_similarities(thing, phrases)):
            (right if any(answer in phrase for answer in answers) else other).append(float(similarity))
    return np.array(right), np.array(other)


def main() -> None:
    args = benchmark_arguments(__doc__).parse_args()
    embedder = Embedder(Settings.from_env(embedding_model=args.model).embedding_model)
    _, arabic = read_set(args.data, XQUAD.format("ar"), XQUAD.format("ar"))
    _, english = read_set(args.data, XQUAD.format("ar"), XQUAD.format("en"))
    references = {question.id: question.answers for question in arabic}
    counting = [question for question in english if asks_how_many(question.question)]
    with xquad_assistant(args.data, args.cache, embedder) as assistant:
        right, other = count_similarities(assistant, counting, references)
    print(f"{embedder.model_name}: {len(counting)} English 'how many' questions over Arabic paragraphs, "
          f"{len(right)} right count phrases, {len(other)} other count phrases")
    print(f"right: median {np.median(right):.3f}, p25 {np.percentile(right, 25):.3f}; "
          f"other: median {np.median(other):.3f}, p75 {np.percentile(other, 75):.3f}")
    bars = np.round(np.arange(0.20, 0.60, 0.01), 2)
    for bar in bars[::5]:
        print(f"bar {bar:.2f}: right kept {(right >= bar).mean():.1%}, other counts admitted {(other >= bar).mean():.1%}")
    chosen = max(bars, key=lambda bar: (right >= bar).mean() - (other >= bar).mean())
    print(f"bar that best tells them apart: {chosen:.2f} (right kept {(right >= chosen).mean():.1%}, "
          f"other counts admitted {(other >= chosen).mean():.1%})")


if __name__ == "__main__":
    main()
