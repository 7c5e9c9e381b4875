"""A firm of any size, seeded straight into the table (scripts/seed_scale.py)."""
from __future__ import annotations

import seed_scale


def seed_clients(stack, firm_id: str, count: int, start: int = 0, **sizes) -> int:
    """Seed clients `start .. start + count` of `firm_id` (names `Seeded <n, 6 digits>`,
    each with contacts, files and audit entries as `sizes` says: see
    `seed_scale.firm_items`); returns how many items were written."""
    items = seed_scale.firm_items(firm_id, count, start=start, **sizes)
    return seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"], items)
