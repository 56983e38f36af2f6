"""Operating a deployed topology: what its queues hold (`status`), the failed messages of a
consumer (`dlq show`), moving them back (`redrive`) and sending archived events again
(`replay`). Every AWS name comes from the topology as compiled (`edac.core.names`); the
account and region are the usual AWS configuration's, or a sandbox's local endpoint.

Nothing here deletes a message before it is safely elsewhere: see `redrive`.
"""

from __future__ import annotations

from edac.ops.aws import Aws, Target

__all__ = ["Aws", "Target"]
