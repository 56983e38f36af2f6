"""Every default edac applies, in one place (../shared/DOMAIN.md "A careful default set").

The resolver fills unset settings from here; the Terraform modules' variable defaults must
be the same values (tests/test_defaults.py compares every one of them), so that a module
used on its own behaves as a compiled topology does.
"""

from __future__ import annotations

VISIBILITY_TIMEOUT = 30  # s; a Lambda consumer needs >= 6x its timeout + batching window
RETENTION = 4 * 86400  # s, SQS's own default
MAX_RECEIVE_COUNT = 5  # receives before a message moves to the DLQ
DLQ_RETENTION = 14 * 86400  # s, the SQS maximum: longer than the queue's (see W504)
RECEIVE_WAIT = 20  # s, long polling
MAX_MESSAGE_SIZE = 262_144  # bytes, the SQS maximum (256 KiB, EventBridge's event size)
DELAY = 0
FIFO = False
KMS_DATA_KEY_REUSE = 300  # s, SQS's default
RETRY_ATTEMPTS = 8  # EventBridge target retries (AWS's 185 / 24 h then drops silently)
RETRY_MAX_AGE = 3600  # s
OLDEST_MESSAGE_AGE = 15 * 60  # s before the oldest-message alarm fires
IDEMPOTENCY_TTL = 3600  # s, Powertools' own default expiry
IDEMPOTENCY_DELETION_PROTECTION = False  # the table holds only expiring records
KEY_DELETION_WINDOW = 30  # days before a destroyed customer key is deleted
EVENT_PATTERN_MAX = 2048  # characters, EventBridge's default quota
MAX_TARGETS_PER_RULE = 5  # EventBridge hard limit
DEFAULT_TEAM = "default"
