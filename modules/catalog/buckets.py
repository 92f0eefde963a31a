"""The S3 buckets of the seed and the environment variables that carry their names to the functions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BucketSpec:
    name: str
    """Short name; the physical name is `Naming.bucket(name)`."""
    env_var: str
    purpose: str


RAW_DATA = BucketSpec("raw-data", "RAW_DATA_BUCKET", "gzip-compressed source documents, date-partitioned")
CURATED_DATA = BucketSpec("curated-data", "CURATED_DATA_BUCKET", "normalized, deduplicated signals")
FEATURES = BucketSpec("features", "FEATURES_BUCKET", "feature records written by scoring")
BACKTESTS = BucketSpec("backtests", "BACKTESTS_BUCKET", "backtesting results")
EVAL = BucketSpec("eval", "EVAL_BUCKET", "evaluation artefacts")

BUCKETS: tuple[BucketSpec, ...] = (RAW_DATA, CURATED_DATA, FEATURES, BACKTESTS, EVAL)
