"""The emulated account of `aiinv local run` starts its functions cold, as a new Lambda container would: nothing a
function cached in an earlier account of the same process (settings, clients, secret values) reaches the next."""

from __future__ import annotations

import boto3

from cli.local.account import emulated_account


def test_each_account_reads_its_own_creator_mark_key() -> None:
    # Each account gets a new random key; Powertools' parameter cache lives outside `functions`, so it must be
    # emptied with them, or a second account's marks are made with the first account's key.
    for _ in range(2):
        with emulated_account() as variables:
            from functions.shared import marks

            arn = variables["CREATOR_MARK_SECRET_ARN"]
            stored = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            assert marks.secret_key(arn)() == stored.encode()
