"""Typer wiring only: the `aiinv` app, the error boundary, the shared option declarations and one module
per group of commands. Each command parses its options and calls a workflow, `cli.aws` or `cli.local`.

May import every part of `cli`; nothing in `cli` imports it except the entry point `cli.main`.
"""
