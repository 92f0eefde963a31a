"""GDPR erasure (`POST /gdpr/erase`, orchestrator, admin only): authors across tables and buckets, users."""

from __future__ import annotations

import json

import boto3
import pytest
from conftest import FakeContext, handler_module
from fn_events import ALICE, BOB, json_body, rest
from fn_pipeline import propose, run_job, scored_samples
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from functions.shared.dynamo import from_item

CAROL = "33333333-4444-5555-6666-777777777777"


def erase(body, context, groups="admin", aws=None, by=BOB):
    """POST /gdpr/erase; with `aws`, the job is run from its queue and the finished job is the answer."""
    response = handler_module("orchestrator").handler(
        rest("POST", "/gdpr/erase", body, groups=groups, sub=by), context
    )
    if aws is not None:
        return response["statusCode"], run_job(aws, context, "orchestrator", response, sub=by, groups=groups)
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

    status, job = erase({"author_id": "reddit:bullish_bob"}, context, aws=seeded)

    result = job["result"]
    assert status == 202 and job["state"] == "succeeded" and result["signals"] == 2
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
    assert erase({"author_id": "reddit:bullish_bob"}, context, aws=seeded)[1]["result"]["signals"] == 0


def test_erasing_a_user_pseudonymises_their_proposals(seeded, context):
    scored_samples(seeded, context)
    created = propose(context, sub=ALICE)["created"]
    status, job = erase({"user_id": ALICE}, context, aws=seeded)
    assert status == 202 and job["result"]["proposals_pseudonymised"] == len(created) > 0
    table = boto3.client("dynamodb").scan(TableName=seeded["PROPOSALS_TABLE"])["Items"]
    assert ALICE not in str(table)


def test_erasure_is_admin_only_and_validated(seeded, context):
    assert erase({"author_id": "reddit:x"}, context, groups="analyst")[0] == 403
    assert erase({"author_id": "reddit:x"}, context, groups="approver,viewer")[0] == 403
    status, body = erase({"author_id": "reddit:x", "user_id": ALICE}, context)
    assert status == 400 and "exactly one" in body["details"][0]["problem"]
    assert erase({}, context)[0] == 400


def _everything_stored(aws) -> str:
    """Every item of every table and every version of every object (decompressed), as one text."""
    import gzip

    from modules.catalog.buckets import BUCKETS
    from modules.catalog.tables import CORE_TABLES, MARKET_DATA

    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    parts = []
    for spec in (*CORE_TABLES, MARKET_DATA):
        for page in dynamodb.get_paginator("scan").paginate(TableName=aws[spec.env_var]):
            parts += [json.dumps(item) for item in page["Items"]]
    for bucket in (aws[b.env_var] for b in BUCKETS if b.env_var in aws):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for version in page.get("Versions", []):
                body = s3.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])["Body"].read()
                parts += [version["Key"], (gzip.decompress(body) if version["Key"].endswith(".gz") else body).decode()]
    return "\n".join(parts)


def test_after_erasure_no_table_item_and_no_object_version_names_them(seeded, context):
    # GIVEN the pipeline run through decisions: ALICE proposed and risk-checked, BOB decided, and BOB's
    # retried decision was answered from the idempotency table
    from fn_pipeline import decided

    proposals = decided(seeded, context, decisions={"AAPL": "approve", "TSLA": "reject"})
    retry = {"proposal_id": proposals["AAPL"]["proposal_id"], "decision": "approve"}
    orchestrator = handler_module("orchestrator")
    again = orchestrator.handler(rest("POST", "/decision", retry, groups="approver", sub=BOB), context)
    assert again["statusCode"] == 200
    stored = _everything_stored(seeded)
    assert ALICE in stored and BOB in stored and "bullish_bob" in stored
    # WHEN another admin erases both users and a source author (named as the source shows it)
    for body in ({"user_id": ALICE}, {"user_id": BOB}, {"author_id": "Reddit:Bullish_Bob"}):
        status, job = erase(body, context, aws=seeded, by=CAROL)
        assert status == 202 and job["state"] == "succeeded", job
    # THEN no table item and no object version names any of them
    stored = _everything_stored(seeded)
    assert ALICE not in stored and BOB not in stored and "bullish_bob" not in stored.casefold()


class _LastSeconds(FakeContext):
    """An invocation that starts each job piece with its deadline already reached."""

    def get_remaining_time_in_millis(self) -> int:
        from functions.shared.jobs import RESERVE_MILLIS

        return RESERVE_MILLIS + 1


def test_an_erasure_longer_than_one_invocation_goes_on_in_pieces_until_done(seeded, context):
    from fn_pipeline import drain_queue

    scored_samples(seeded, context)
    response = handler_module("orchestrator").handler(
        rest("POST", "/gdpr/erase", {"author_id": "reddit:bullish_bob"}, groups="admin", sub=BOB), context
    )
    job_id = json_body(response)["job_id"]
    # WHEN every piece runs out of time after its first signal
    drain_queue(seeded, _LastSeconds(), "orchestrator", "ERASURES_QUEUE_URL")
    # THEN the job went on piece by piece and its counts add up
    job = handler_module("orchestrator").JOBS_TABLE.get(job_id)
    assert job["state"] == "succeeded" and job["pieces"] == 2
    assert job["result"]["signals"] == 2
    assert not [i for i in _signal_items(seeded) if i.get("author_id") == "reddit:bullish_bob"]
    assert "bullish_bob" not in json.dumps(job)


def test_an_erased_creator_still_cannot_approve_their_own_proposal(seeded, context):
    scored_samples(seeded, context)
    [proposal, *_] = propose(context, sub=ALICE)["created"]
    orchestrator = handler_module("orchestrator")
    orchestrator.handler(rest("POST", "/risk/check", {"proposal_id": proposal["proposal_id"]}, sub=ALICE), context)
    assert erase({"user_id": ALICE}, context, aws=seeded, by=CAROL)[1]["state"] == "succeeded"
    decision = {"proposal_id": proposal["proposal_id"], "decision": "approve"}
    response = orchestrator.handler(rest("POST", "/decision", decision, groups="approver,admin", sub=ALICE), context)
    assert response["statusCode"] == 403 and "four-eyes" in json_body(response)["message"]
    assert ALICE not in _everything_stored(seeded)


def test_a_duplicate_post_of_a_second_author_leaves_nothing_of_them_after_their_erasure(seeded, context):
    item = {"source_id": "d1", "text": "Apple shares jumped on great results", "published_at": "2026-11-20T08:00:00Z"}
    social = handler_module("ingest_social")
    for author in ("first_author", "Second_Author"):
        body = {"source": "reddit", "items": [{**item, "author": author}]}
        assert social.handler(rest("POST", "/ingest/social", body), context)["statusCode"] == 200
    assert erase({"author_id": "reddit:second_author"}, context, aws=seeded)[1]["state"] == "succeeded"
    stored = _everything_stored(seeded)
    assert "second_author" not in stored.casefold() and "first_author" in stored


GROWS = "\u0390"
"""GREEK SMALL LETTER IOTA WITH DIALYTIKA AND TONOS: one character, three once casefolded."""


@pytest.mark.parametrize("form", ["stored", "written", "written-with-another-case-of-source"])
def test_an_author_whose_id_grows_under_casefolding_is_erased_by_its_stored_and_its_written_form(aws, context,
                                                                                                 form):
    # GIVEN an author of 256 characters that casefolding makes 768 (the stored id has 775)
    item = {"source_id": "g1", "author": GROWS * 256, "text": "Apple shares jumped", "published_at":
            "2026-11-20T08:00:00Z"}
    response = handler_module("ingest_social").handler(
        rest("POST", "/ingest/social", {"source": "reddit", "items": [item]}), context)
    assert response["statusCode"] == 200, response["body"]
    [stored] = {i["author_id"] for i in _signal_items(aws) if i.get("author_id")}
    assert len(stored) == len("reddit:") + 3 * 256
    # WHEN an admin erases them by the form chosen
    named = {"stored": stored, "written": "reddit:" + GROWS * 256,
             "written-with-another-case-of-source": "Reddit:" + GROWS * 256}[form]
    status, job = erase({"author_id": named}, context, aws=aws)
    # THEN the job erases their signal
    assert status == 202 and job["state"] == "succeeded" and job["result"]["signals"] == 1, job
    assert [i for i in _signal_items(aws) if i.get("author_id")] == []


SOURCES = st.one_of(st.sampled_from(["reddit", "api", "news.example.com", "a:b"]),
                    st.from_regex(r"[a-z0-9][a-z0-9._:-]{0,63}", fullmatch=True))
AUTHORS = st.one_of(
    st.text(min_size=1, max_size=256),
    st.lists(st.sampled_from([GROWS, "\u1fe3", "\u00df", "\ufdfa", "\u1f80\u0313", "A", " ", "\n", "\u0130",
                              "\U00010400"]), min_size=1, max_size=256).map("".join),
)


@given(source=SOURCES, author=AUTHORS)
@settings(max_examples=400, deadline=None)
@example(source="reddit", author=GROWS * 256)
@example(source="reddit", author="\u1f80\u0313")
@example(source="reddit", author="a\nb")
def test_every_author_id_ingest_can_store_can_be_erased_by_its_stored_and_its_written_form(source, author):
    """The same rule on both sides: lengths are checked after normalisation, and the erase route finds the id
    ingestion stored from either form."""
    from functions.orchestrator.gdpr_requests import EraseRequest
    from functions.shared.ingestion.models import IngestBatch
    from functions.shared.ingestion.normalize import author_id

    item = {"source_id": "x", "text": "t", "published_at": "2026-11-20T08:00:00Z", "author": author}
    try:
        batch = IngestBatch.model_validate({"source": source, "items": [item]})
    except ValidationError:
        assume(False)
    stored = author_id(batch.source, batch.items[0].author)
    assume(stored is not None)
    for form in (stored, f"{source}:{author}"):
        assert stored in EraseRequest.model_validate({"author_id": form}).author_ids, form


# ---------------------------------------------------------------- the creator mark after erasure


def _legacy_mark(proposal_id: str, user_id: str) -> str:
    """The unkeyed mark proposals carried before keyed marks: anyone who knows a user id can compute it."""
    import hashlib

    return hashlib.sha256(f"{proposal_id}\n{user_id}".encode()).hexdigest()


def _proposal(aws, proposal_id: str) -> dict:
    item = boto3.client("dynamodb").get_item(TableName=aws["PROPOSALS_TABLE"],
                                             Key={"proposal_id": {"S": proposal_id}})["Item"]
    return from_item(item)


def _key(aws) -> bytes:
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=aws["CREATOR_MARK_SECRET_ARN"])
    return secret["SecretString"].encode()


def _risk_checked_by_alice(seeded, context) -> dict:
    scored_samples(seeded, context)
    [proposal, *_] = propose(context, sub=ALICE)["created"]
    checked = handler_module("orchestrator").handler(
        rest("POST", "/risk/check", {"proposal_id": proposal["proposal_id"]}, sub=ALICE), context)
    assert checked["statusCode"] == 200 and json_body(checked)["state"] == "risk_passed", checked["body"]
    return proposal


def _decide(proposal_id: str, sub: str, context) -> dict:
    body = {"proposal_id": proposal_id, "decision": "approve"}
    return handler_module("orchestrator").handler(rest("POST", "/decision", body, groups="approver", sub=sub),
                                                  context)


def test_after_erasure_the_creator_mark_links_nobody_without_the_key(seeded, context):
    # GIVEN ALICE's proposal, ALICE erased
    import hashlib
    import hmac

    proposal = _risk_checked_by_alice(seeded, context)
    proposal_id = proposal["proposal_id"]
    assert erase({"user_id": ALICE}, context, aws=seeded, by=CAROL)[1]["state"] == "succeeded"
    stored = _proposal(seeded, proposal_id)
    assert stored["created_by"] == "erased-user" and ALICE not in json.dumps(stored)
    # THEN whoever knows ALICE's id but not the environment's key cannot recompute the mark...
    mark = stored["creator_mark"]
    assert mark != _legacy_mark(proposal_id, ALICE)
    assert _legacy_mark(proposal_id, ALICE) not in mark
    # ...it is the keyed hash (HMAC-SHA256 with the key in Secrets Manager)
    digest = _legacy_mark(proposal_id, ALICE).encode()
    assert mark == "hmac1:" + hmac.new(_key(seeded), digest, hashlib.sha256).hexdigest()
    # ...and the orchestrator, which holds the key, still refuses ALICE's own approval
    response = _decide(proposal_id, ALICE, context)
    assert response["statusCode"] == 403 and "four-eyes" in json_body(response)["message"]
    assert _decide(proposal_id, BOB, context)["statusCode"] == 200


def _make_legacy(aws, proposal_id: str, user_id: str, *, erased: bool) -> None:
    """The proposal as it was stored before keyed marks (and, with `erased`, its creator erased back then)."""
    names = {"#mark": "creator_mark", "#by": "created_by"}
    values = {":mark": {"S": _legacy_mark(proposal_id, user_id)}, ":by": {"S": "erased-user" if erased else user_id}}
    boto3.client("dynamodb").update_item(TableName=aws["PROPOSALS_TABLE"], Key={"proposal_id": {"S": proposal_id}},
                                         UpdateExpression="SET #mark = :mark, #by = :by",
                                         ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def test_a_mark_made_before_keyed_marks_still_refuses_its_creator_until_erasure_rekeys_it(seeded, context):
    # GIVEN ALICE's proposal carrying the unkeyed mark of before
    proposal_id = _risk_checked_by_alice(seeded, context)["proposal_id"]
    _make_legacy(seeded, proposal_id, ALICE, erased=False)
    # THEN four-eyes recognises ALICE by it
    assert _decide(proposal_id, ALICE, context)["statusCode"] == 403
    # WHEN ALICE is erased, the mark is re-keyed: nobody can link it any more, the orchestrator still can
    assert erase({"user_id": ALICE}, context, aws=seeded, by=CAROL)[1]["result"]["marks_rekeyed"] == 1
    stored = _proposal(seeded, proposal_id)
    assert stored["creator_mark"].startswith("hmac1:") and stored["creator_mark"] != _legacy_mark(proposal_id, ALICE)
    assert _decide(proposal_id, ALICE, context)["statusCode"] == 403


def test_marks_of_creators_erased_before_keyed_marks_are_rekeyed_by_the_next_erasure(seeded, context):
    # GIVEN a proposal whose creator (ALICE) was erased before keyed marks: her unkeyed mark is still linkable
    proposal_id = _risk_checked_by_alice(seeded, context)["proposal_id"]
    _make_legacy(seeded, proposal_id, ALICE, erased=True)
    # WHEN anybody else is erased
    job = erase({"user_id": CAROL}, context, aws=seeded, by=BOB)[1]
    # THEN the mark is re-keyed without knowing whose it is, and still recognises ALICE
    assert job["state"] == "succeeded" and job["result"]["marks_rekeyed"] == 1
    assert _proposal(seeded, proposal_id)["creator_mark"] != _legacy_mark(proposal_id, ALICE)
    assert _decide(proposal_id, ALICE, context)["statusCode"] == 403
    assert _decide(proposal_id, BOB, context)["statusCode"] == 200


def test_without_a_usable_key_no_proposal_is_made_and_the_answer_names_the_key(seeded, context):
    from aws_lambda_powertools.utilities import parameters

    scored_samples(seeded, context)
    secrets = boto3.client("secretsmanager")
    for value in (None, "too short"):
        secrets.delete_secret(SecretId=seeded["CREATOR_MARK_SECRET_ARN"], ForceDeleteWithoutRecovery=True)
        secrets.create_secret(Name=seeded["CREATOR_MARK_SECRET_ARN"],
                              **({"SecretString": value} if value else {}))
        parameters.clear_caches()
        response = handler_module("orchestrator").handler(
            rest("POST", "/propose", {"as_of": "2026-11-20T18:00:00Z"}, sub=ALICE), context)
        assert response["statusCode"] == 502 and "creator-mark key" in json_body(response)["message"], response
        assert boto3.client("dynamodb").scan(TableName=seeded["PROPOSALS_TABLE"])["Items"] == []
