"""Daily quotas (shared::domain::quotas), arranged directly in the table: a test sets how
much of today's quota an owner has already spent instead of spending it request by request."""
from __future__ import annotations

import hashlib
import time

DAY = 86_400


def quota_key(quota: str, owner: str) -> dict:
    """The counter item's key, as `store::keys::limit` and `limit_window` spell it."""
    digest = hashlib.sha256("\0".join(["quota", quota, owner]).encode()).hexdigest()
    start = int(time.time()) // DAY * DAY
    return {"PK": f"LIMIT#{digest}", "SK": f"W#{start:012d}"}


def spend_quota(stack, quota: str, owner: str, count: int) -> None:
    """Record that `owner` has used `count` of today's `quota`."""
    stack.table().put_item(Item={**quota_key(quota, owner), "count": count, "expires_at": int(time.time()) + 2 * DAY})
