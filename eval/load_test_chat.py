"""Load test: N simultaneous chat sessions against a running `isnad serve` on localhost.

Each session is its own Gradio client (its own server-side state) and asks two questions, the
second a follow-up. Prints errors and p50/p95 latency per answer.

    isnad serve --port 7860 &
    python -m eval.load_test_chat --url http://127.0.0.1:7860 --sessions 10 --mode extractive
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

QUESTIONS = [
    ("كم مدنياً محاصراً في شرقي حلب بحسب الدفاع المدني السوري؟", "وكم شخصاً أعدم؟"),
    ("مع من التقى رئيس الائتلاف الوطني في بروكسل؟", "وما القرار الذي ذكره؟"),
    ("How many civilians are besieged in Deir ez-Zor according to the local council?", "And how many were killed?"),
]


def session(url: str, number: int, mode: str) -> list[tuple[float, bool]]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    chat, results = [], []
    for question in QUESTIONS[number % len(QUESTIONS)]:
        started = time.perf_counter()
        try:
            _, chat, _ = client.predict(question, chat, mode, [], [], "", "", "auto", api_name="/ask")
            ok = bool(chat) and chat[-1]["role"] == "assistant" and "⚠" not in str(chat[-1]["content"])
        except Exception as error:  # counted, reported, never hidden
            print(f"session {number}: {type(error).__name__}: {error}")
            ok = False
        results.append((time.perf_counter() - started, ok))
    return results


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
        runs = [r for rs in pool.map(lambda n: session(args.url, n, args.mode), range(args.sessions)) for r in rs]
    latencies = sorted(seconds for seconds, _ in runs)
    errors = sum(1 for _, ok in runs if not ok)
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    print(f"{args.sessions} sessions, {len(runs)} answers ({args.mode}), {errors} errors, "
          f"wall {time.perf_counter() - started:.1f}s")
    print(f"latency p50 {statistics.median(latencies):.2f}s  p95 {p95:.2f}s  max {latencies[-1]:.2f}s")


if __name__ == "__main__":
    main()
