"""Infrastructure of the AI investment system: configuration, constructs and stacks."""
