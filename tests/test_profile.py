"""The firm's profile and settings (issue 16, item 3): each field round-trips through the
API, bad input is a 4xx naming the field and changes nothing, invite emails carry the Help
Center link, the sender's display name and reply-to address (and the logo), every change is
in the firm's history, and only admins and owners may change any of it.

What the local stack cannot show: a stage *without* a payment provider (the test stack names
"test"). That rule is unit-tested without AWS (`ops::billing` tests:
`online_payments_need_billing_and_a_provider`, `pay_now_is_offered_only_with_a_provider`;
`config` tests: `the_payment_provider_is_none_unless_named`)."""
from __future__ import annotations

import re
import uuid

import requests

from support import active_contact, invite, land_logo, logo_slot, mail_to, png, problem, unique_email, versions

SETTINGS = "/api/staff/firm/settings"
BILLING = "/api/staff/settings/billing"
HISTORY = "/api/staff/firm/audit"
LOGO = "/api/staff/firm/logo"
BLUE = png(40, 20, (31, 95, 191))
GREEN = png(30, 30, (10, 125, 59))


def history(firm) -> list[dict]:
    return firm.api.call("GET", HISTORY, expect=200).json()["items"]


def test_each_profile_field_round_trips_and_clears(firm):
    api = firm.api
    sent = {"firm_name": "Smith & Jones CPA", "help_center_url": "https://help.smith-jones.example/portal",
            "sender_name": "Smith & Jones, CPA", "reply_to": "Office@Smith-Jones.example", "accent_color": "#0A7D3B"}
    got = api.call("PATCH", SETTINGS, sent, expect=200).json()
    again = api.call("GET", SETTINGS, expect=200).json()
    assert got == again
    assert again["firm_name"] == "Smith & Jones CPA"
    assert again["help_center_url"] == "https://help.smith-jones.example/portal"
    assert again["sender_name"] == "Smith & Jones, CPA"
    assert again["sender"] == f'"Smith & Jones, CPA" <{again["sender_email"]}>'
    assert again["reply_to"] == "office@smith-jones.example"
    assert again["accent_color"] == "#0a7d3b"
    assert again["logo_url"] is None
    # null and "" clear the optional fields; the others stay.
    cleared = api.call("PATCH", SETTINGS, {"help_center_url": None, "sender_name": "", "reply_to": None, "accent_color": None}, expect=200).json()
    assert (cleared["help_center_url"], cleared["sender_name"], cleared["reply_to"], cleared["accent_color"]) == (None, None, None, None)
    assert cleared["sender"] == cleared["sender_email"]
    assert cleared["firm_name"] == "Smith & Jones CPA"


def test_bad_input_names_the_field_and_changes_nothing(firm):
    api = firm.api
    before = api.call("GET", SETTINGS, expect=200).json()
    entries = len(history(firm))
    bad = {"firm_name": " ", "help_center_url": "http://help.example.com", "sender_name": "Evil\r\nBcc: all@example.com",
           "reply_to": "not-an-address", "accent_color": "#ffff00"}
    for field, value in bad.items():
        body = problem(api.call("PATCH", SETTINGS, {field: value, "max_reminders": 3}), 400)
        assert [e["field"] for e in body["errors"]] == [field], body
    body = problem(api.call("PATCH", SETTINGS, {"help_center_url": "javascript:alert(1)", "invite_lifetime_days": 0}), 400)
    assert sorted(e["field"] for e in body["errors"]) == ["help_center_url", "invite_lifetime_days"]
    assert "https://" in body["detail"]
    assert problem(api.call("PATCH", SETTINGS, {"logo_key": "firms/x"}), 400)["detail"]
    assert api.call("GET", SETTINGS, expect=200).json() == before
    assert len(history(firm)) == entries, "a refused change leaves no history entry"


def test_invite_emails_carry_the_help_link_sender_name_and_reply_to(firm):
    firm.api.call("PATCH", SETTINGS, {"help_center_url": "https://help.profile-test.example/start?lang=en",
                                      "sender_name": "Müller & Søn Steuerberatung", "reply_to": "team@mueller.example"}, expect=200)
    client = firm.client("Help Link Household")
    email = unique_email()
    contact = firm.contact(client["id"], "Hana", "Help", email)
    assert invite(firm, client["id"], contact["id"])[0]["outcome"] == "sent"
    [mail] = mail_to(firm.stack, email)
    assert 'href="https://help.profile-test.example/start?lang=en"' in mail["html"]
    assert "https://help.profile-test.example/start?lang=en" in mail["text"]
    sender = firm.api.call("GET", SETTINGS, expect=200).json()["sender_email"]
    # RFC 2047: the non-ASCII name is encoded, the verified address is kept.
    assert mail["from"] == f"=?UTF-8?B?TcO8bGxlciAmIFPDuG4gU3RldWVyYmVyYXR1bmc=?= <{sender}>"
    assert mail["reply_to"] == ["team@mueller.example"]


def test_an_invite_of_a_firm_without_a_help_link_has_none(firm):
    firm.api.call("PATCH", SETTINGS, {"help_center_url": None}, expect=200)
    client = firm.client("No Help Household")
    email = unique_email()
    contact = firm.contact(client["id"], "Nora", "None", email)
    invite(firm, client["id"], contact["id"])
    [mail] = mail_to(firm.stack, email)
    assert "Help Center" not in mail["text"] and "Help Center" not in mail["html"]
    assert mail["reply_to"] == []


def test_every_change_is_in_the_firms_history_with_who_and_where(firm):
    before = len(history(firm))  # the firm's creation, its owner joining, billing turned on
    firm.api.call("PATCH", SETTINGS, {"firm_name": "History & Co", "accent_color": "#1f5fbf", "max_reminders": 4}, expect=200)
    firm.api.call("PUT", BILLING, {"billing_enabled": True, "online_payments_enabled": True}, expect=200)
    # The same values again change nothing and add nothing.
    firm.api.call("PUT", BILLING, {"billing_enabled": True, "online_payments_enabled": True}, expect=200)
    firm.api.call("PATCH", SETTINGS, {"firm_name": "History & Co"}, expect=200)
    entries = history(firm)
    events = [e["event"] for e in entries[:len(entries) - before]]
    assert events == ["billing_settings_changed", "settings_changed", "profile_changed"], events
    billing, settings, profile = entries[:3]
    assert profile["detail"] == 'firm_name: "History & Co"; accent_color: "#1f5fbf"'
    assert settings["detail"] == "max_reminders: 4"
    assert billing["detail"] == "online_payments_enabled: true"
    for e in (billing, settings, profile):
        assert e["actor"]["kind"] == "staff" and e["actor"]["id"] == firm.info["staff_sub"]
        assert e["ip"] and e["user_agent"].startswith("python-requests")


def test_online_payments_need_billing_and_the_stage_says_a_provider_is_there(firm):
    api = firm.api
    body = problem(api.call("PUT", BILLING, {"billing_enabled": False, "online_payments_enabled": True}), 400)
    assert body["errors"][0]["field"] == "online_payments_enabled"
    got = api.call("PUT", BILLING, {"billing_enabled": True, "online_payments_enabled": True}, expect=200).json()
    assert got == {"billing_enabled": True, "online_payments_enabled": True, "online_payments_available": True}
    assert api.call("GET", BILLING, expect=200).json() == got


def test_staff_without_firm_settings_permission_get_403_on_the_profile(firm):
    staff = firm.colleague("staff")
    before = firm.api.call("GET", SETTINGS, expect=200).json()
    problem(staff.call("PATCH", SETTINGS, {"firm_name": "Taken Over"}), 403)
    problem(staff.call("PUT", BILLING, {"billing_enabled": False, "online_payments_enabled": False}), 403)
    problem(staff.call("POST", LOGO, {"size": len(BLUE), "content_type": "image/png"}), 403)
    problem(staff.call("DELETE", LOGO), 403)
    # Reading the settings is for every role (the UI shows the firm's look).
    assert staff.call("GET", SETTINGS, expect=200).json() == before
    admin = firm.colleague("admin")
    admin.call("PATCH", SETTINGS, {"sender_name": "Admin Set"}, expect=200)


def test_a_contact_sees_the_firms_name_colour_and_logo(firm):
    client = firm.client("Rename Watch")
    contact_api = active_contact(firm.stack, firm, client["id"], "Rita")[1]
    firm.api.call("PATCH", SETTINGS, {"firm_name": "Renamed Partners", "accent_color": "#7a1f5c"}, expect=200)
    slot = logo_slot(firm.api, len(GREEN))
    assert land_logo(firm.stack, slot, GREEN) == "available"
    home = contact_api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()
    assert home["firm_name"] == "Renamed Partners"
    me = contact_api.call("GET", "/api/portal/me", expect=200).json()
    assert (me["firm_name"], me["accent_color"], me["logo_url"]) == ("Renamed Partners", "#7a1f5c", f"/api/firms/{firm.firm_id}/logo?v={slot['id']}")


def logo_of(firm) -> requests.Response:
    """The firm's logo as anyone fetches it: no sign-in."""
    url = firm.api.call("GET", SETTINGS, expect=200).json()["logo_url"] or f"/api/firms/{firm.firm_id}/logo"
    return requests.get(firm.stack.base + url, timeout=30)


def test_a_checked_logo_is_served_without_sign_in_and_shown_in_invite_emails(firm):
    slot = logo_slot(firm.api, len(BLUE))
    assert slot["status"] == "pending"
    assert logo_of(firm).status_code == 404, "no logo until the upload is checked"
    assert land_logo(firm.stack, slot, BLUE) == "available"
    assert firm.api.call("GET", f"{LOGO}/uploads/{slot['id']}", expect=200).json() == {"id": slot["id"], "status": "available"}
    url = firm.api.call("GET", SETTINGS, expect=200).json()["logo_url"]
    assert url == f"/api/firms/{firm.firm_id}/logo?v={slot['id']}"
    r = logo_of(firm)
    assert r.status_code == 200 and r.content == BLUE
    assert r.headers["content-type"] == "image/png" and r.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in r.headers["cache-control"], "a URL naming the logo can be cached for good"
    assert "max-age=300" in requests.get(f"{firm.stack.base}/api/firms/{firm.firm_id}/logo", timeout=30).headers["cache-control"]
    # The invite email shows it, from a URL that works without signing in.
    client = firm.client("Logo Household")
    email = unique_email()
    contact = firm.contact(client["id"], "Lola", "Logo", email)
    invite(firm, client["id"], contact["id"])
    [mail] = mail_to(firm.stack, email)
    src = re.search(r'<img src="([^"]+)"', mail["html"]).group(1)
    assert src == firm.stack.base + url
    assert requests.get(src, timeout=30).content == BLUE
    entry = firm.api.call("GET", HISTORY, expect=200).json()["items"][0]
    assert (entry["event"], entry["detail"], entry["subject_id"]) == ("profile_changed", f"logo: new PNG image ({len(BLUE)} bytes)", slot["id"])
    assert entry["actor"]["id"] == firm.info["staff_sub"] and entry["user_agent"].startswith("python-requests")


def test_a_new_logo_replaces_the_old_and_removing_it_leaves_nothing(firm):
    first, second = logo_slot(firm.api, len(BLUE)), logo_slot(firm.api, len(GREEN))
    assert land_logo(firm.stack, first, BLUE) == "available"
    assert land_logo(firm.stack, second, GREEN) == "available"
    assert logo_of(firm).content == GREEN
    prefix = f"firms/{firm.firm_id}/logo/"
    assert versions(firm.stack, prefix) == [(prefix + second["id"], "version")], "the replaced logo is deleted"
    assert versions(firm.stack, f"uploads/{prefix}") == [], "uploads are deleted once checked"
    firm.api.call("DELETE", LOGO, expect=204)
    assert firm.api.call("GET", SETTINGS, expect=200).json()["logo_url"] is None
    problem(logo_of(firm), 404)
    assert versions(firm.stack, prefix) == []
    assert firm.api.call("GET", HISTORY, expect=200).json()["items"][0]["detail"] == "logo: removed"
    entries = len(firm.api.call("GET", HISTORY, expect=200).json()["items"])
    firm.api.call("DELETE", LOGO, expect=204)
    assert len(firm.api.call("GET", HISTORY, expect=200).json()["items"]) == entries, "no logo, nothing recorded"


def test_a_non_image_or_oversized_logo_is_refused(firm):
    body = problem(logo_slot(firm.api, 512 * 1024 + 1, status=400), 400)
    assert [e["field"] for e in body["errors"]] == ["size"] and "512.0 KB" in body["detail"]
    body = problem(logo_slot(firm.api, 100, "image/svg+xml", status=400), 400)
    assert [e["field"] for e in body["errors"]] == ["content_type"]
    # What lands is checked, whatever the URL was signed for (the emulator checks nothing).
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    slot = logo_slot(firm.api, len(svg))
    assert land_logo(firm.stack, slot, svg) == "rejected: the file's contents are not a PNG image"
    big = BLUE + b"\0" * 600_000
    oversized = logo_slot(firm.api, len(BLUE))
    assert land_logo(firm.stack, oversized, big, declared=len(BLUE)).startswith(f"rejected: the upload was {len(big)} bytes")
    status = firm.api.call("GET", f"{LOGO}/uploads/{slot['id']}", expect=200).json()
    assert status["status"] == "rejected" and "not a PNG" in status["rejected_reason"]
    assert firm.api.call("GET", SETTINGS, expect=200).json()["logo_url"] is None
    problem(logo_of(firm), 404)
    assert versions(firm.stack, f"firms/{firm.firm_id}/logo/") == [] and versions(firm.stack, f"uploads/firms/{firm.firm_id}/logo/") == []
    assert "profile_changed" not in [e["event"] for e in firm.api.call("GET", HISTORY, expect=200).json()["items"]]


def test_the_logo_route_answers_404_for_unknown_firms(firm):
    problem(requests.get(f"{firm.stack.base}/api/firms/{uuid.uuid4()}/logo", timeout=30), 404)
    problem(requests.get(f"{firm.stack.base}/api/firms/not-an-id/logo", timeout=30), 404)
    problem(firm.api.call("GET", f"{LOGO}/uploads/{uuid.uuid4()}"), 404)
