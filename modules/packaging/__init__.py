"""Deterministic Lambda packages: the same source gives the same bytes and hash, so plans stay clean.

No cdktf import here; the compute stack and the benchmarks both use it.
"""
