"""Protecting remote state: Terraform's state locks, the environment lock, the runs alive on this machine
and the recovery store for what a run must never lose.

Imports `cli.core`, `cli.synth` and `cli.terraform`.
"""
