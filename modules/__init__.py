"""Infrastructure of the AI investment system: configuration, constructs and stacks."""

from modules import provider_bindings

# Cheap: only registers how the AWS provider bindings load when something first imports them.
provider_bindings.install()
