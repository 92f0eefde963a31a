"""Running Terraform over the stack graph: the session of one command, the graph, the scheduler, the
actions on one stack and the handling of stop signals.

Imports every layer below it (`core`, `synth`, `terraform`, `state`, `plans`), never `workflows` or above.
"""
