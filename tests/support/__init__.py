"""Helpers shared by the integration tests: the local stack and its firms, the API's
problems, the one mail lookup, invites and portal access, files, AWS call counting, TOTP
codes, concurrent requests on function instances of their own. Test modules import from
here — never from each other or from conftest.py (which only defines fixtures);
tests/test_layout.py checks that."""
from .calls import operations, recorded_calls
from .files import PDF, land, put, upload_slot, verify_sigv4_query
from .invites import (PASSWORD, STRONG, accept_invite, active_contact, delivery_of, invite, link_item, login_on_two_clients, reminders_to,
                      report, run_reminders, run_reminders_cold, status_of)
from .mail import mail_to, token_of
from .mfa import fresh_code, totp, wrong
from .problems import problem
from .scale import instances
from .stack import Firm, Stack, local_stack, unique_email

__all__ = [
    "PASSWORD", "PDF", "STRONG", "Firm", "Stack", "accept_invite", "active_contact", "delivery_of", "fresh_code", "instances", "invite",
    "land", "link_item", "local_stack", "login_on_two_clients", "mail_to", "operations", "problem", "put", "recorded_calls", "reminders_to", "report",
    "run_reminders", "run_reminders_cold", "status_of", "token_of", "totp", "unique_email", "upload_slot", "verify_sigv4_query", "wrong",
]
