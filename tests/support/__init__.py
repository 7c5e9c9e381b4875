"""Helpers shared by the integration tests: the local stack and its firms, the API's
problems, the one mail lookup, paged lists, invites and portal access, files, AWS call counting, TOTP
codes, requests as API Gateway delivers them from a chosen source address, concurrent
requests on function instances of their own. Test modules import from here — never from
each other or from conftest.py (which only defines fixtures); tests/test_layout.py checks
that."""
from .calls import metered, operations, query_limits, recorded_calls, request_json
from .files import (PDF, deliver, download, land, land_logo, logo_slot, png, put, stored_key, upload_key, upload_slot, verify_sigv4_query,
                    versions)
from .gateway import fresh_source, gateway_call, lockout, source_limits, start_of_a_window
from .invites import (PASSWORD, STRONG, accept_invite, active_contact, delivery_of, invite, link_item, login_on_two_clients, reminders_to,
                      report, run_reminders, run_reminders_cold, status_of)
from .jobs import pollers_paused, proxy_state, seed_invitees, start_job, wait_job
from .lifecycle import contact_client_routes, portal_items
from .mail import mail_to, token_of
from .mfa import fresh_code, totp, wrong
from .pages import page_url, walk
from .problems import problem
from .quotas import spend_quota
from .scale import instances
from .seed import seed_clients, seed_team
from .stack import Firm, Stack, local_stack, unique_email
from .team import STAFF_PASSWORD, firm_history, invite_staff, join, join_token, staff_at_once, staff_invites, team_member, team_members

__all__ = [
    "Firm", "PASSWORD", "PDF", "STAFF_PASSWORD", "STRONG", "Stack", "accept_invite", "active_contact", "contact_client_routes",
    "deliver", "delivery_of", "download", "firm_history", "fresh_code", "fresh_source", "gateway_call", "instances", "invite",
    "invite_staff", "join", "join_token", "land", "land_logo", "link_item", "local_stack", "lockout", "login_on_two_clients",
    "logo_slot", "mail_to", "metered", "operations", "png", "pollers_paused", "portal_items", "problem", "proxy_state", "put", "query_limits",
    "recorded_calls", "reminders_to", "report", "seed_clients", "seed_invitees", "seed_team", "start_job", "wait_job",
    "request_json", "run_reminders", "run_reminders_cold", "source_limits", "spend_quota", "staff_at_once", "staff_invites", "start_of_a_window",
    "status_of", "stored_key", "team_member", "team_members", "token_of", "totp", "unique_email", "upload_key", "upload_slot",
    "verify_sigv4_query", "versions", "wrong",
]
