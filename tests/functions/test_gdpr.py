"""GDPR erasure (`POST /gdpr/erase`, orchestrator, admin only): authors across tables and buckets, users."""

from __future__ import annotations

import boto3
from conftest import handler_module
from fn_events import ALICE, BOB, json_body, rest
from fn_pipeline import propose, scored_samples

from functions.shared.dynamo import from_item


def erase(body, context, groups="admin"):
    response = handler_module("orchestrator").handler(
        rest("POST", "/gdpr/erase", body, groups=groups, sub=BOB), context
    )
    return response["statusCode"], json_body(response)


def _signal_items(aws) -> list[dict]:
    return [from_item(i) for i in boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]]


def _object_versions(bucket: str) -> list[str]:
    listing = boto3.client("s3").list_object_versions(Bucket=bucket)
    return [v["Key"] for v in listing.get("Versions", []) + listing.get("DeleteMarkers", [])]


def test_erasing_an_author_removes_items_raw_documents_and_features(seeded, context):
    scored_samples(seeded, context)
    before = _signal_items(seeded)
    bob_docs = [i for i in before if i.get("author_id") == "reddit:bullish_bob" and i["facet"] == "signal"]
    assert len(bob_docs) == 2

    status, result = erase({"author_id": "reddit:bullish_bob"}, context)

    assert status == 200 and result["signals"] == 2
    after = _signal_items(seeded)
    erased = {d["signal_id"] for d in bob_docs}
    assert not [i for i in after if i["signal_id"] in erased]
    assert len(after) == len(before) - result["items_deleted"]
    raw_left = _object_versions(seeded["RAW_DATA_BUCKET"])
    features_left = _object_versions(seeded["FEATURES_BUCKET"])
    assert not [k for k in raw_left + features_left if any(sid in k for sid in erased)]
    # other authors are untouched
    assert any(i.get("author_id") == "reddit:bearish_ben" for i in after)
    # erasing again finds nothing
    assert erase({"author_id": "reddit:bullish_bob"}, context)[1]["signals"] == 0


def test_erasing_a_user_pseudonymises_their_proposals(seeded, context):
    scored_samples(seeded, context)
    created = propose(context, sub=ALICE)["created"]
    status, result = erase({"user_id": ALICE}, context)
    assert status == 200 and result["proposals_pseudonymised"] == len(created) > 0
    table = boto3.client("dynamodb").scan(TableName=seeded["PROPOSALS_TABLE"])["Items"]
    assert ALICE not in str(table)


def test_erasure_is_admin_only_and_validated(seeded, context):
    assert erase({"author_id": "reddit:x"}, context, groups="analyst")[0] == 403
    assert erase({"author_id": "reddit:x"}, context, groups="approver,viewer")[0] == 403
    status, body = erase({"author_id": "reddit:x", "user_id": ALICE}, context)
    assert status == 400 and "exactly one" in body["details"][0]["problem"]
    assert erase({}, context)[0] == 400
