"""The seed's RETAIN, in Terraform terms.

Retained resources get `prevent_destroy` (Terraform refuses any plan that would delete them) and a
marker in their JSON comment block. `aiinv destroy` reads the marker, removes those addresses from
state before destroying the rest, and lists them: the data stays in the account.
"""

from __future__ import annotations

from cdktf import TerraformResource

from modules.catalog.retention import RETAIN_MARKER

__all__ = ["RETAIN_MARKER", "retain_on_destroy"]


def retain_on_destroy(resource: TerraformResource) -> None:
    resource.add_override("lifecycle.prevent_destroy", True)
    resource.add_override(f"//.{RETAIN_MARKER}", True)
