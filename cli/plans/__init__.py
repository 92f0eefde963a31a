"""Plan bundles on disk, what a saved plan changes, the review report, the drift rule and the policy check
of saved plans.

Imports `cli.core`, `cli.synth`, `cli.terraform` and `cli.state`.
"""
