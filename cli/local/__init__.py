"""The local pipeline on an in-process AWS emulator: the emulated account and its provisioning, and the
pipeline run over the shipped samples.

Imports only `cli.core`; only `cli.commands` imports it.
"""
