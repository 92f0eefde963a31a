"""Direct boto3 work without a session: bootstrap of the state backend, account-level settings, `aiinv
doctor`, `aiinv logs` and `aiinv metrics`.

Imports `cli.core`, `cli.synth` and `cli.terraform`; only `cli.commands` imports it.
"""
