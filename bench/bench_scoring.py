"""Benchmark of sentiment scoring: the worst case of a maximum-length item against a typical post, and
against the score function's budget. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_scoring.py [--runs 3]

Inputs are as long as `POST /ingest/*` and the feeds allow (title 1,000 and text 20,000 characters):
the emoji whose description holds the most tokens (each expands into several tokens that VADER
rescans), sentiment words only, negated sentiment words, and a typical 60-word post. The budget is one
SQS batch of the score function: `batch size x worst case` must stay well below the function timeout
minus the time the handler keeps back (functions/score/handler.py RESERVE_MILLIS).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_TITLE, MAX_TEXT = 1_000, 20_000
BATCH_SIZE = 10
"""Messages per invocation of the scoring queue's mapping (modules/constructs/queue.py consume_with)."""
TYPICAL = (
    "Apple beat estimates again and the iPhone maker raised its outlook; shares jumped after hours. "
    "Analysts were not impressed by the services margin, but the buyback is huge and guidance looks "
    "solid. Still, I would not chase it here :) "
)


def _timed(title: str, text: str, runs: int) -> float:
    from functions.score.sentiment import sentiment_of

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        sentiment_of(title, text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _longest_emoji() -> str:
    from functions.score.sentiment import _ANALYZER

    return max((e for e in _ANALYZER.emojis if len(e) == 1), key=lambda e: len(_ANALYZER.emojis[e].split()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from functions.score.budget import RESERVE_MILLIS
    from modules.catalog.functions import SCORE

    budget = SCORE.timeout_seconds - RESERVE_MILLIS / 1000

    emoji = _longest_emoji()
    cases = {
        f"emoji {emoji!r} x {MAX_TEXT}": (emoji * MAX_TITLE, emoji * MAX_TEXT),
        "'good ' (sentiment words only)": (("good " * MAX_TITLE)[:MAX_TITLE], ("good " * MAX_TEXT)[:MAX_TEXT]),
        "'not good. ' (negations)": (("not good. " * MAX_TITLE)[:MAX_TITLE], ("not good. " * MAX_TEXT)[:MAX_TEXT]),
        "typical post (60 words)": ("", TYPICAL),
    }
    typical = _timed("", TYPICAL, max(args.runs, 20))
    worst = 0.0
    print(f"runs per case: {args.runs} (medians)")
    for name, (title, text) in cases.items():
        seconds = _timed(title, text, args.runs)
        worst = max(worst, seconds)
        print(f"{name:40s} {seconds * 1000:9.1f} ms   ratio to typical {seconds / typical:8.0f}")
    print(f"worst case per item {worst:.2f} s; a batch of {BATCH_SIZE} such items takes {BATCH_SIZE * worst:.1f} s "
          f"of the {budget:.0f} s the handler may start records in (ratio {BATCH_SIZE * worst / budget:.2f}, "
          "target < 0.5)")


if __name__ == "__main__":
    main()
