"""A firm of any size, seeded straight into the table (scripts/seed_scale.py)."""
from __future__ import annotations

import seed_scale


def seed_clients(stack, firm_id: str, count: int, start: int = 0, **sizes) -> int:
    """Seed clients `start .. start + count` of `firm_id` (names `Seeded <n, 6 digits>`,
    each with contacts, files and audit entries as `sizes` says: see
    `seed_scale.firm_items`); returns how many items were written."""
    items = seed_scale.firm_items(firm_id, count, start=start, **sizes)
    return seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"], items)


def seed_team(stack, firm_id: str, members: int, invites: int, prefix: str) -> tuple[list[str], list[str]]:
    """Seed `members` staff members and `invites` open staff invites of `firm_id`, emails
    `<prefix>-m<n, 4 digits>@seed.example` and `<prefix>-i<n>@seed.example` (so a prefix
    decides where they sort on the Team page); returns (member emails, invite emails)."""
    m_emails = [f"{prefix}-m{n:04d}@seed.example" for n in range(members)]
    i_emails = [f"{prefix}-i{n:04d}@seed.example" for n in range(invites)]
    items = [i for n, e in enumerate(m_emails) for i in seed_scale.staff_items(firm_id, seed_scale.new_id(firm_id, "staff", e), e, f"Seeded Member {n:04d}")]
    items += [i for n, e in enumerate(i_emails) for i in seed_scale.staff_invite_items(firm_id, e, f"Seeded Invitee {n:04d}")]
    seed_scale.write(stack.endpoint, stack.env["TABLE_NAME"], items)
    return m_emails, i_emails
