"""Foundations every other part of `cli` stands on: exit codes and errors, console output, paths on disk
(`layout`), `Outcome`, durations, configuration loading, local preflight checks.

Imports nothing else of `cli`.
"""
