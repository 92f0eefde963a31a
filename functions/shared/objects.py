"""S3 objects: gzip-compressed raw documents, JSON records, deletion for erasure."""

from __future__ import annotations

import gzip
import json
from typing import Any

from functions.shared.aws import client


def put_json(bucket: str, key: str, document: Any, *, compress: bool = False) -> str | None:
    """Write `document`; the id of the version written (None where the bucket keeps no versions)."""
    body = json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()
    extra: dict[str, str] = {"ContentType": "application/json"}
    if compress:
        # mtime=0 keeps the bytes of the same document identical, so rewrites are no-ops in content.
        body = gzip.compress(body, mtime=0)
        extra = {"ContentType": "application/gzip"}
    return client("s3").put_object(Bucket=bucket, Key=key, Body=body, **extra).get("VersionId")


def retract(bucket: str, key: str, version_id: str | None) -> None:
    """Delete exactly the version one wrote (the object as it was before stays)."""
    if version_id:
        client("s3").delete_object(Bucket=bucket, Key=key, VersionId=version_id)


def get_json(bucket: str, key: str) -> Any:
    body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    if key.endswith(".gz"):
        body = gzip.decompress(body)
    return json.loads(body)


def purge_objects(bucket: str, keys: list[str]) -> int:
    """Delete every version (and delete marker) of each key: the buckets are versioned, and erasure
    must not leave old versions behind. Returns how many object versions were removed."""
    s3 = client("s3")
    removed = 0
    for key in keys:
        versions: list[dict[str, str]] = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                if entry["Key"] == key:
                    versions.append({"Key": key, "VersionId": entry["VersionId"]})
        for start in range(0, len(versions), 1000):
            chunk = versions[start : start + 1000]
            response = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(f"could not delete s3://{bucket}/{first['Key']}: {first['Message']}")
            removed += len(chunk)
    return removed
