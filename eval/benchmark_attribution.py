"""Attribution precision and recall on annotated sentences, each with the speakers a reader would
accept, or none: `eval/sets/attribution.jsonl` (seed articles and FA-KES; the rules were tuned on
it), `attribution-heldout.jsonl` (FA-KES sentences annotated after the tuning, never tuned on) and
`attribution-heldout-en.jsonl` (27 FA-KES sentences with an English reporting form, drawn at random
and annotated before the English rules were last changed, never tuned on).

A predicted speaker is right when, after normalisation, it contains an accepted speaker or is
contained in one ("مدير المرصد السوري رامي عبد الرحمن" for "رامي عبد الرحمن").

    python -m eval.benchmark_attribution [--show-errors]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from rag.ingest.attribution import attribute
from rag.text import normalise

SETS = {"tuning": Path(__file__).parent / "sets" / "attribution.jsonl",
        "held out": Path(__file__).parent / "sets" / "attribution-heldout.jsonl",
        "held out (English)": Path(__file__).parent / "sets" / "attribution-heldout-en.jsonl"}
REPO = Path(__file__).resolve().parents[1]


def document_texts(data: Path) -> dict[str, str]:
    texts = {path.name: path.read_text("utf-8") for path in (REPO / "corpus").glob("*.txt")}
    with open(data / "fa-kes" / "fakes.csv", encoding="utf-8", errors="replace") as table:
        texts.update({f"fakes:{row['unit_id']}": row["article_content"] for row in csv.DictReader(table)})
    return texts


def matches(predicted: str, accepted: list[str]) -> bool:
    guess = normalise(predicted).casefold()
    return any(gold and (gold in guess or guess in gold) for gold in (normalise(a).casefold() for a in accepted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    texts = document_texts(args.data)
    for name, path in SETS.items():
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        predicted, correct, gold = score(rows, texts, args.show_errors)
        print(f"{name}: {len(rows)} annotated sentences, {gold} with a speaker; precision "
              f"{correct / max(predicted, 1):.3f} ({correct}/{predicted}), recall {correct / max(gold, 1):.3f} ({correct}/{gold})")


def score(rows: list[dict], texts: dict[str, str], show_errors: bool) -> tuple[int, int, int]:
    cache, predicted, correct, gold = {}, 0, 0, 0
    for row in rows:
        text = texts[row["doc"]]
        found = cache.setdefault(row["doc"], attribute(text))
        start = text.find(row["sentence"])
        guess = next((a.speaker for a in found if a.start < start + len(row["sentence"]) and start < a.end), None)
        right = guess is not None and matches(guess, row["speakers"])
        predicted, correct, gold = predicted + (guess is not None), correct + right, gold + bool(row["speakers"])
        if show_errors and (guess is not None or row["speakers"]) and not right:
            print(f"  {row['doc'][:14]} gold={row['speakers']} got={guess!r} | {row['sentence'][:90]}")
    return predicted, correct, gold


if __name__ == "__main__":
    main()
