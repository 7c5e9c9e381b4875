"""The one mail lookup: what the local SES proxy saw moto accept for one recipient."""
from __future__ import annotations

import local_mailbox


def mail_to(stack, email: str) -> list[dict]:
    """The emails sent to `email`, oldest first (id, from, reply_to, to, subject, html, text,
    create_account_url, time)."""
    return local_mailbox.messages(stack.proxy.url, to=email)


def token_of(message: dict) -> str:
    """The invite token of an invite (or reminder) email's Create Account link."""
    url = message["create_account_url"]
    assert url, message["html"]
    return url.split("#", 1)[1]
