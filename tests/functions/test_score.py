"""score: queue consumption with partial failures, sentiment and entity linking, `POST /score`."""

from __future__ import annotations

import json

import boto3
from conftest import FakeContext, handler_module
from fn_events import json_body, rest, sqs
from fn_pipeline import drain_scoring_queue, ingest_samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _items(aws) -> list[dict]:
    from functions.shared.dynamo import from_item

    return [from_item(i) for i in boto3.client("dynamodb").scan(TableName=aws["SIGNALS_TABLE"])["Items"]]


def test_queued_samples_are_scored_linked_and_featured(seeded, context):
    # GIVEN the sample feeds ingested
    ingest_samples(context)
    # WHEN the scoring queue is drained
    responses = drain_scoring_queue(seeded, context)
    # THEN no batch reported failures, every document is scored and mentions point at tracked entities
    assert all(r == {"batchItemFailures": []} for r in responses)
    items = _items(seeded)
    documents = [i for i in items if i["facet"] == "signal"]
    assert documents and all(d["status"] == "scored" for d in documents)
    mentions = [i for i in items if i["facet"].startswith("entity#")]
    assert {m["entity_id"] for m in mentions} == {"AAPL", "MSFT", "TSLA", "NVDA"}
    aapl = [m for m in mentions if m["entity_id"] == "AAPL"]
    tsla = [m for m in mentions if m["entity_id"] == "TSLA"]
    assert sum(m["sentiment"] for m in aapl) / len(aapl) > 0.3
    assert sum(m["sentiment"] for m in tsla) / len(tsla) < -0.3
    # a feature record per scored document
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=seeded["FEATURES_BUCKET"])["Contents"]]
    assert len(keys) == len(documents)
    feature = json.loads(boto3.client("s3").get_object(Bucket=seeded["FEATURES_BUCKET"], Key=keys[0])["Body"].read())
    assert {"signal_id", "sentiment", "entity_mentions", "model"} <= set(feature)


def test_poison_message_is_a_batch_item_failure_and_the_rest_is_processed(seeded, context):
    ingest_samples(context)
    queue = boto3.client("sqs")
    bodies = [
        m["Body"]
        for m in queue.receive_message(QueueUrl=seeded["SCORING_QUEUE_URL"], MaxNumberOfMessages=3)["Messages"]
    ]
    event = sqs(["{not json", *bodies, json.dumps({"signal_id": "../../etc"})])
    poison_ids = {event["Records"][0]["messageId"], event["Records"][-1]["messageId"]}

    response = handler_module("score").handler(event, context)

    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == poison_ids
    scored = [i for i in _items(seeded) if i["facet"] == "signal" and i["status"] == "scored"]
    assert len(scored) == 3


def test_redelivered_message_writes_nothing_twice(seeded, context):
    ingest_samples(context)
    queue = boto3.client("sqs")
    [message] = queue.receive_message(QueueUrl=seeded["SCORING_QUEUE_URL"], MaxNumberOfMessages=1)["Messages"]
    score = handler_module("score")
    first = score.handler(sqs([message["Body"]]), context)
    before = _items(seeded)
    again = score.handler(sqs([message["Body"], message["Body"]]), context)
    assert first == again == {"batchItemFailures": []}
    assert _items(seeded) == before


def test_post_score_links_cashtags_names_and_aliases(seeded, context):
    body = {
        "title": "Big week",
        "text": "$AAPL soared and the iPhone maker looks great; Tesla slumped. MSFT flat.",
    }
    response = handler_module("score").handler(rest("POST", "/score", body), context)
    assert response["statusCode"] == 200
    result = json_body(response)
    assert {e["entity_id"]: e["mentions"] for e in result["entities"]} == {"AAPL": 2, "TSLA": 1, "MSFT": 1}
    assert -1 <= result["sentiment"]["compound"] <= 1


def test_post_score_refuses_viewers_and_bad_bodies(seeded, context):
    score = handler_module("score")
    assert score.handler(rest("POST", "/score", {"text": "x"}, groups="viewer"), context)["statusCode"] == 403
    response = score.handler(rest("POST", "/score", {"text": ""}), context)
    assert response["statusCode"] == 400 and "text" in response["body"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["😸", "😀", " ", ". ", "good", "not", "!", "a", "\n"]), max_size=3000).map("".join))
def test_sentiment_scores_bounded_windows_whatever_the_content(text):
    from functions.score.sentiment import MAX_TOKENS, WINDOW_TOKENS, windows

    runs = list(windows(text * 8))
    assert all(0 < len(run) <= WINDOW_TOKENS for run in runs)
    assert sum(len(run) for run in runs) <= MAX_TOKENS


# VADER's published examples (the vaderSentiment README, "Output for the above example code"): text ->
# (compound, pos, neu, neg). Two of its sixteen are left out: "At least it isn't a horrible book." and the emoji
# line, whose published pos/neu (and the emoji line's compound) predate the 3.3.2 release that `MODEL` names.
PUBLISHED = {
    "VADER is smart, handsome, and funny.": (0.8316, 0.746, 0.254, 0.0),
    "VADER is smart, handsome, and funny!": (0.8439, 0.752, 0.248, 0.0),
    "VADER is very smart, handsome, and funny.": (0.8545, 0.701, 0.299, 0.0),
    "VADER is VERY SMART, handsome, and FUNNY.": (0.9227, 0.754, 0.246, 0.0),
    "VADER is VERY SMART, handsome, and FUNNY!!!": (0.9342, 0.767, 0.233, 0.0),
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!": (0.9469, 0.706, 0.294, 0.0),
    "VADER is not smart, handsome, nor funny.": (-0.7424, 0.0, 0.354, 0.646),
    "The book was good.": (0.4404, 0.492, 0.508, 0.0),
    "The book was only kind of good.": (0.3832, 0.303, 0.697, 0.0),
    "The plot was good, but the characters are uncompelling and the dialog is not great.": (-0.7042, 0.094, 0.579,
                                                                                           0.327),
    "Today SUX!": (-0.5461, 0.0, 0.221, 0.779),
    "Today only kinda sux! But I'll get by, lol": (0.5249, 0.317, 0.556, 0.127),
    "Make sure you :) or :D today!": (0.8633, 0.706, 0.294, 0.0),
    "Not bad at all": (0.431, 0.487, 0.513, 0.0),
}
FILLER = "zzq"
"""A token in no lexicon: VADER counts it neutral and it adds no valence."""


def _as_scores(compound: float, pos: float, neu: float, neg: float) -> dict[str, float]:
    return {"compound": compound, "positive": pos, "neutral": neu, "negative": neg}


def test_a_text_within_one_window_gets_vaders_published_score():
    from functions.score.sentiment import MODEL, sentiment_of

    assert MODEL == "vader-3.3.2"
    for text, published in PUBLISHED.items():
        assert sentiment_of("", text).as_dict() == _as_scores(*published), text


def test_windows_are_averaged_weighted_by_their_token_counts():
    """Our rule on top of VADER: windows of at most 100 tokens, cut between sentences where they fit, a
    sentence longer than a window cut every 100 tokens; each window weighs its token count; compound rounded
    to 4 places, the proportions to 3."""
    from functions.score.sentiment import sentiment_of

    # "VADER is smart, ..." (6 tokens) does not fit one window with the 102-token sentence after it; that sentence
    # is cut after 100 filler tokens, leaving "Today SUX!" (2 tokens) a window of its own.
    text = "VADER is smart, handsome, and funny. " + " ".join([FILLER] * 100) + " Today SUX!"
    # By hand: windows of 6, 100 and 2 tokens (108) scored (0.8316, .746, .254, 0), (0, 0, 1, 0) (all neutral),
    # (-0.5461, 0, .221, .779):
    # compound (6 x 0.8316 - 2 x 0.5461) / 108 = 3.8974 / 108 = 0.036087
    # pos 6 x .746 / 108 = 0.041444; neu (6 x .254 + 100 + 2 x .221) / 108 = 0.944130; neg 2 x .779 / 108 = 0.014426
    assert sentiment_of("", text).as_dict() == _as_scores(0.0361, 0.041, 0.944, 0.014)


def test_only_the_first_ten_thousand_tokens_are_scored():
    from functions.score.sentiment import sentiment_of

    # 6 + 9,994 tokens reach the limit; the negative sentence after them is never read. By hand: windows of 6
    # (0.8316, .746, .254, 0), then 9,994 all-neutral tokens: compound 6 x 0.8316 / 10,000 = 0.000499,
    # pos 6 x .746 / 10,000 = 0.000448, neu (6 x .254 + 9,994) / 10,000 = 0.999552.
    text = "VADER is smart, handsome, and funny. " + " ".join([FILLER] * 9_994) + ". Today SUX!"
    assert sentiment_of("", text).as_dict() == _as_scores(0.0005, 0.0, 1.0, 0.0)


def test_the_title_is_a_sentence_before_the_text_and_an_empty_text_scores_nothing():
    from functions.score.sentiment import sentiment_of

    # "The book was good" + "." + one window of 100 filler tokens: the title's 4 tokens form a window of their own.
    # By hand: compound 4 x 0.4404 / 104 = 0.016938, pos 4 x .492 / 104 = 0.018923, neu (4 x .508 + 100) / 104.
    assert sentiment_of("The book was good", " ".join([FILLER] * 100)).as_dict() == _as_scores(
        0.0169, 0.019, 0.981, 0.0)
    assert sentiment_of("", "").as_dict() == _as_scores(0.0, 0.0, 0.0, 0.0)


def _ingest_social(context, items: list[dict]) -> list[str]:
    response = handler_module("ingest_social").handler(rest("POST", "/ingest/social", {"items": items}), context)
    assert response["statusCode"] == 200, response["body"]
    return json_body(response)["signal_ids"]


def test_a_maximum_length_emoji_item_is_scored_with_the_innocent_rest_of_its_batch(seeded, context):
    # GIVEN a post of 20,000 of the emoji with the longest description, queued with innocent posts
    hostile = {"source_id": "p0", "text": "😸" * 20_000, "published_at": "2026-11-20T10:00:00Z"}
    innocent = [
        {"source_id": f"p{n}", "text": f"Apple jumped {n} percent, great news", "published_at": "2026-11-20T10:00:00Z"}
        for n in range(1, 10)
    ]
    ids = _ingest_social(context, [hostile, *innocent])
    # WHEN the batch is delivered
    responses = drain_scoring_queue(seeded, context)
    # THEN nothing failed and every one of them is scored
    assert responses == [{"batchItemFailures": []}]
    documents = {i["signal_id"]: i for i in _items(seeded) if i["facet"] == "signal"}
    assert {documents[i]["status"] for i in ids} == {"scored"}


class _NearlyOutOfTime(FakeContext):
    def get_remaining_time_in_millis(self) -> int:
        from functions.score.budget import RESERVE_MILLIS

        return RESERVE_MILLIS - 1


def test_records_not_started_for_lack_of_time_are_redelivered_not_lost(seeded, context):
    ids = _ingest_social(context, [
        {"source_id": f"q{n}", "text": f"Tesla slumped {n} percent", "published_at": "2026-11-20T10:00:00Z"}
        for n in range(3)
    ])
    queue = boto3.client("sqs")
    messages = queue.receive_message(QueueUrl=seeded["SCORING_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    event = sqs([m["Body"] for m in messages])
    # WHEN the invocation has less time left than a record may need
    response = handler_module("score").handler(event, _NearlyOutOfTime())
    # THEN every record is reported for redelivery and none was half-done
    assert {f["itemIdentifier"] for f in response["batchItemFailures"]} == {r["messageId"] for r in event["Records"]}
    documents = {i["signal_id"]: i for i in _items(seeded) if i["facet"] == "signal"}
    assert {documents[i]["status"] for i in ids} == {"pending"}
    # and the redelivery with time enough scores them
    assert handler_module("score").handler(event, context) == {"batchItemFailures": []}
    documents = {i["signal_id"]: i for i in _items(seeded) if i["facet"] == "signal"}
    assert {documents[i]["status"] for i in ids} == {"scored"}


def test_a_signal_erased_while_it_is_scored_leaves_no_feature_record(seeded, context):
    """Erasure may land between the feature write and the score record: the scorer then removes the
    version it wrote, so nothing of the erased document outlives the erasure."""
    from functions.shared.aws import client

    ingest_samples(context)
    [message] = boto3.client("sqs").receive_message(QueueUrl=seeded["SCORING_QUEUE_URL"])["Messages"]
    signal_id = json.loads(message["Body"])["signal_id"]
    table = boto3.client("dynamodb")

    def erase_now(**_kwargs) -> None:  # the erasure's delete, at the worst moment
        table.delete_item(TableName=seeded["SIGNALS_TABLE"],
                          Key={"signal_id": {"S": signal_id}, "facet": {"S": "signal"}})

    s3 = client("s3")
    s3.meta.events.register("after-call.s3.PutObject", erase_now)
    try:
        assert handler_module("score").handler(sqs([message["Body"]]), context) == {"batchItemFailures": []}
    finally:
        s3.meta.events.unregister("after-call.s3.PutObject", erase_now)
    versions = boto3.client("s3").list_object_versions(Bucket=seeded["FEATURES_BUCKET"])
    left = [v["Key"] for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])
            if signal_id in v["Key"]]
    assert left == []
