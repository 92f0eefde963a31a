"""Producing and reading `cdktf.out`: the synth, its input key, the held snapshots, the manifest and the
outputs each stack reads from its upstream.

Imports only `cli.core`. Never imports cdktf when a snapshot is reused (the import happens inside the synth).
"""
