"""Load test: N simultaneous chat sessions against a running `isnad serve` on localhost.

Each session is its own Gradio client (its own server-side state) and asks two questions, the
second a follow-up. Prints errors, p50/p95 latency per answer and, for the local model, how long
a queued question waited before the page showed its place in line.

    isnad serve --port 7860 &
    python -m eval.load_test_chat --url http://127.0.0.1:7860 --sessions 10 --mode extractive
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlparse

QUESTIONS = [
    ("كم مدنياً محاصراً في شرقي حلب بحسب الدفاع المدني السوري؟", "وكم شخصاً أعدم؟"),
    ("مع من التقى رئيس الائتلاف الوطني في بروكسل؟", "وما القرار الذي ذكره؟"),
    ("How many civilians are besieged in Deir ez-Zor according to the local council?", "And how many were killed?"),
]
ANSWER_MARK, QUEUE_MARK = "isnad-final", "isnad-status pending"


@dataclass
class Turn:
    seconds: float
    ok: bool
    queued_after: float | None  # seconds until the place in line was shown (None: never queued)


def session(url: str, number: int, mode: str) -> list[Turn]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    chat, turns = [], []
    for question in QUESTIONS[number % len(QUESTIONS)]:
        started, queued_after = time.perf_counter(), None
        try:
            job = client.submit(question, chat, mode, [], [], "", "", "auto", api_name="/ask")
            for _, chat, _, _ in job:  # every update the page would show
                last = str(chat[-1]["content"]) if chat else ""
                if queued_after is None and QUEUE_MARK in last and ("دورك" in last or "in line" in last):
                    queued_after = time.perf_counter() - started
            _, chat, _, _ = job.result()
            ok = bool(chat) and ANSWER_MARK in str(chat[-1]["content"])
        except Exception as error:  # counted, reported, never hidden
            print(f"session {number}: {type(error).__name__}: {error}")
            ok = False
        turns.append(Turn(time.perf_counter() - started, ok, queued_after))
    return turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--mode", default="extractive", choices=["local", "extractive", "endpoint"])
    args = parser.parse_args()
    if urlparse(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load tests only run against this machine (127.0.0.1 / localhost)")
    started = time.perf_counter()
    with ThreadPoolExecutor(args.sessions) as pool:
        turns = [t for ts in pool.map(lambda n: session(args.url, n, args.mode), range(args.sessions)) for t in ts]
    latencies = sorted(turn.seconds for turn in turns)
    errors = sum(not turn.ok for turn in turns)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"{args.sessions} sessions, {len(turns)} answers ({args.mode}), {errors} errors, "
          f"wall {time.perf_counter() - started:.1f}s")
    print(f"latency p50 {statistics.median(latencies):.2f}s  p95 {p95:.2f}s  max {latencies[-1]:.2f}s")
    queued = [turn.queued_after for turn in turns if turn.queued_after is not None]
    if queued:
        print(f"queued answers {len(queued)}; longest wait before the place in line showed {max(queued):.2f}s")


if __name__ == "__main__":
    main()
