"""Lambda code of the AI investment system: one package per function plus the shared library."""
