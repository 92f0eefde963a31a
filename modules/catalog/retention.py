"""The marker that the synthesized JSON carries on resources that survive `destroy` (the seed's RETAIN).

Constructs set it (`modules.constructs.retention`), `aiinv destroy` reads it; both take it from here,
which imports no cdktf, so the CLI stays fast.
"""

RETAIN_MARKER = "retain_on_destroy"
