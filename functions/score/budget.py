"""How much of an invocation the score function keeps back: a record started with less time left than
this could be cut off by the timeout, so it is left for redelivery instead (see bench/bench_scoring.py
for the worst case of one item, far below)."""

RESERVE_MILLIS = 10_000
