"""Running one Terraform: which binary, its argv, the process runner, reading its diagnostics, and where
the AWS provider comes from (the mirror, how it is filled, the test stand-in).

Imports only `cli.core`.
"""
