"""What the system consists of, as plain data: tables, buckets, secrets, functions.

No cdktf import here: the stacks render these definitions, the CLI and the tests read them.
"""
