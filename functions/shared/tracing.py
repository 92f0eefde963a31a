"""What the X-Ray tracer instruments.

`Tracer()` on its own patches every library the X-Ray SDK supports that it can find: thirteen import attempts at
cold start, and sqlite3 is imported only to be patched. The functions reach AWS through botocore and their
sources through http.client, so those are what is traced, as before.
"""

from __future__ import annotations

AWS_AND_HTTP = ("botocore", "httplib")
"""AWS calls and outgoing HTTP requests."""
