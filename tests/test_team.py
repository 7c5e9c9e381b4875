"""The firm's team (issue 16): staff invites by email (single use, expiring, hashed, revoked
or replaced links say why), joining from the link, roles with the owner rules, deactivation
that takes effect on the next call, reactivation, and the firm's history of all of it."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from support import (STAFF_PASSWORD, firm_history, instances, invite_staff, join, join_token, mail_to, page_url, problem, seed_team, staff_at_once,
                     staff_invites, team_member, team_members, unique_email, walk)


def test_a_colleague_is_invited_by_email_joins_once_and_signs_in(stack, firm):
    email = unique_email("ana")
    sent = invite_staff(firm, email, "staff", "Ana Lee")
    assert (sent["outcome"], sent["status"], sent["role"]) == ("sent", "open", "staff")
    mail = mail_to(stack, email)[-1]
    assert "/join#" in mail["create_account_url"] and "invited you to join Test Firm" in mail["subject"]
    token = join_token(stack, email)
    info = stack.api().call("GET", f"/api/team-invites/{token}", expect=200).json()
    assert (info["email"], info["name"], info["role"], info["firm_name"]) == (email, "Ana Lee", "staff", "Test Firm")
    assert "12" in info["password_rule"]
    # a password the pool refuses changes nothing: the link still works
    assert problem(join(stack, token, "short"), 400)["errors"][0]["field"] == "password"
    joined = join(stack, token, name="Ana M. Lee")
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert (body["email"], body["name"], body["role"]) == (email, "Ana M. Lee", "staff")
    api = stack.api(body["session"]["access_token"])
    me = api.call("GET", "/api/staff/me", expect=200).json()
    assert (me["name"], me["role"], me["firm_name"]) == ("Ana M. Lee", "staff", "Test Firm")
    assert "team" not in me["permissions"] and "work" in me["permissions"]
    api.call("GET", "/api/staff/clients", expect=200)
    problem(api.call("GET", "/api/staff/team"), 403)
    # single use: the link now says so, and creates nothing
    assert "already used" in problem(join(stack, token), 410)["detail"]
    assert "already used" in problem(stack.api().call("GET", f"/api/team-invites/{token}"), 410)["detail"]
    stack.api().sign_in(email, STAFF_PASSWORD)
    member = next(m for m in team_members(firm) if m["email"] == email)
    assert (member["status"], member["role"], member["name"]) == ("active", "staff", "Ana M. Lee") and member["joined_at"]
    assert not [i for i in staff_invites(firm) if i["email"] == email]
    events = [(e["event"], e["actor"]["name"]) for e in firm_history(firm)]
    assert ("staff_joined", "Ana M. Lee") in events and ("staff_invited", firm.info["owner_name"]) in events
    # the link's secret is in the email only: no log line carries it
    assert token[32:] not in stack.logs()


def test_an_open_invite_is_not_sent_twice_and_a_member_or_another_firms_staff_cannot_be_invited(stack, firm):
    email = unique_email("ben")
    first = invite_staff(firm, email)
    again = invite_staff(firm, email, expect=200)
    assert again["outcome"] == "already_open" and again["id"] == first["id"] and again["expires_at"] == first["expires_at"]
    assert len(mail_to(stack, email)) == 1
    body = problem(firm.api.call("POST", "/api/staff/team/invites", {"email": "x", "role": "boss"}), 400)
    assert sorted(e["field"] for e in body["errors"]) == ["email", "name", "role"]
    # the owner of this firm, and the owner of another firm: both already have a staff login
    assert "already a member" in problem(firm.api.call("POST", "/api/staff/team/invites",
                                                     {"email": firm.info["email"], "name": "Me", "role": "admin"}), 409)["detail"]
    other = stack.new_firm("Other Firm")
    member, _ = team_member(stack, other)
    assert "another firm" in problem(firm.api.call("POST", "/api/staff/team/invites",
                                                 {"email": member["email"], "name": "X", "role": "staff"}), 409)["detail"]


def test_an_expired_link_is_refused_and_a_resend_or_revoke_kills_the_old_link(stack, firm):
    email = unique_email("cy")
    sent = invite_staff(firm, email)
    first = join_token(stack, email)
    # expiry, as the clock would make it
    key = {"PK": f"STAFFINVITE#{sent['id']}", "SK": "STAFFINVITE"}
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stack.table().update_item(Key=key, UpdateExpression="SET link_expires_at = :p", ExpressionAttributeValues={":p": past})
    assert "expired" in problem(join(stack, first), 410)["detail"]
    listed = next(i for i in staff_invites(firm) if i["id"] == sent["id"])
    assert listed["status"] == "expired"
    # a resend makes a new link; the old one says a newer invite was sent
    resent = firm.api.call("POST", f"/api/staff/team/invites/{sent['id']}/resend", expect=200).json()
    assert (resent["outcome"], resent["status"]) == ("sent", "open")
    second = join_token(stack, email)
    assert second != first and len(mail_to(stack, email)) == 2
    assert "newer invite" in problem(stack.api().call("GET", f"/api/team-invites/{first}"), 410)["detail"]
    stack.api().call("GET", f"/api/team-invites/{second}", expect=200)
    # a revoke kills it at once; the link says so; the invite leaves the list
    firm.api.call("DELETE", f"/api/staff/team/invites/{sent['id']}", expect=204)
    assert "revoked" in problem(join(stack, second), 410)["detail"]
    assert not [i for i in staff_invites(firm) if i["id"] == sent["id"]]
    problem(firm.api.call("DELETE", f"/api/staff/team/invites/{sent['id']}"), 404)
    # a made-up token costs the same and says nothing
    problem(stack.api().call("GET", f"/api/team-invites/{sent['id']}{'0' * 64}"), 404)
    events = [e["event"] for e in firm_history(firm) if e.get("subject_id") == sent["id"]]
    assert events.count("staff_invited") == 2 and "staff_invite_revoked" in events
    # a new invite after the revoke works
    invite_staff(firm, email)
    assert join(stack, join_token(stack, email)).status_code == 201


def test_roles_owners_make_owners_and_the_last_owner_stays(stack, firm):
    admin, admin_api = team_member(stack, firm, "admin", "Ada Admin")
    staff, staff_api = team_member(stack, firm, "staff", "Sam Staff")
    owner_id = firm.info["staff_sub"]
    # an admin runs the team below owner
    changed = admin_api.call("PATCH", f"/api/staff/team/members/{staff['id']}", {"role": "admin"}, expect=200).json()
    assert changed["role"] == "admin"
    staff_api.call("GET", "/api/staff/team", expect=200)  # the new role applies on the next call
    admin_api.call("PATCH", f"/api/staff/team/members/{staff['id']}", {"role": "staff"}, expect=200)
    problem(staff_api.call("GET", "/api/staff/team"), 403)
    # ...but neither makes nor unmakes an owner, nor invites one
    problem(admin_api.call("PATCH", f"/api/staff/team/members/{staff['id']}", {"role": "owner"}), 403)
    problem(admin_api.call("PATCH", f"/api/staff/team/members/{owner_id}", {"role": "staff"}), 403)
    problem(admin_api.call("POST", f"/api/staff/team/members/{owner_id}/deactivate"), 403)
    problem(admin_api.call("POST", "/api/staff/team/invites", {"email": unique_email("o"), "name": "O", "role": "owner"}), 403)
    assert problem(admin_api.call("PATCH", f"/api/staff/team/members/{staff['id']}", {"role": "chief"}), 400)["errors"][0]["field"] == "role"
    # the last owner can not be demoted
    assert "last active owner" in problem(firm.api.call("PATCH", f"/api/staff/team/members/{owner_id}", {"role": "admin"}), 409)["detail"]
    # with a second owner, one of them may step down
    firm.api.call("PATCH", f"/api/staff/team/members/{admin['id']}", {"role": "owner"}, expect=200)
    admin_api.call("PATCH", f"/api/staff/team/members/{owner_id}", {"role": "admin"}, expect=200)
    problem(admin_api.call("PATCH", f"/api/staff/team/members/{admin['id']}", {"role": "staff"}), 409)
    history = [e for e in firm_history(firm) if e["event"] == "role_changed"]
    assert any("from owner to admin" in e["detail"] and e["actor"]["name"] == "Ada Admin" for e in history)
    assert any("from staff to admin" in e["detail"] for e in history)
    # a member of another firm is not found
    other = stack.new_firm("Elsewhere")
    problem(other.api.call("PATCH", f"/api/staff/team/members/{staff['id']}", {"role": "admin"}), 404)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(stack, firm):
    second, second_api = team_member(stack, firm, "staff", "Second Owner")
    firm.api.call("PATCH", f"/api/staff/team/members/{second['id']}", {"role": "owner"}, expect=200)
    route = "/api/staff/team/members/{member_id}"
    owner_id = firm.info["staff_sub"]
    with instances(stack, "team", 2) as fn:
        # Both have read (each is an owner, so is the other) before either writes.
        stack.faults([{"op": "TransactWriteItems", "calls": [1, 2], "kind": "delay", "seconds": 2}])
        try:
            answers = staff_at_once(fn, [
                (firm.api.token, "PATCH", f"/api/staff/team/members/{second['id']}", route, {"role": "admin"}, {"member_id": second["id"]}),
                (second_api.token, "PATCH", f"/api/staff/team/members/{owner_id}", route, {"role": "admin"}, {"member_id": owner_id}),
            ])
        finally:
            stack.faults([])
    assert sorted(s for s, _ in answers) == [200, 409], answers
    assert "last active owner" in next(b["detail"] for s, b in answers if s == 409)
    roles = [stack.table().get_item(Key={"PK": f"STAFF#{sub}", "SK": "STAFF"})["Item"]["role"] for sub in (owner_id, second["id"])]
    assert sorted(roles) == ["admin", "owner"]
    assert stack.table().get_item(Key={"PK": f"FIRM#{firm.firm_id}", "SK": "FIRM"})["Item"]["owners"] == 1


def test_deactivation_refuses_the_old_token_at_once_and_reactivation_restores_the_login(stack, firm):
    member, api = team_member(stack, firm, "admin", "Dee Parted")
    session = stack.api().call("POST", "/api/staff/sessions", {"email": member["email"], "password": STAFF_PASSWORD}, expect=200).json()
    api.call("GET", "/api/staff/clients", expect=200)
    # nobody deactivates themselves
    problem(api.call("POST", f"/api/staff/team/members/{member['id']}/deactivate"), 403)
    gone = firm.api.call("POST", f"/api/staff/team/members/{member['id']}/deactivate", expect=200).json()
    assert gone["status"] == "deactivated" and gone["deactivated_at"]
    # the next call with the old, unexpired token is refused; refresh and sign-in fail too
    problem(api.call("GET", "/api/staff/clients"), 401)
    problem(stack.api(session["access_token"]).call("GET", "/api/staff/me"), 401)
    problem(stack.api().call("POST", "/api/staff/sessions/refresh", {"refresh_token": session["refresh_token"]}), 401)
    assert stack.api().call("POST", "/api/staff/sessions", {"email": member["email"], "password": STAFF_PASSWORD}).status_code in (401, 403)
    # repeating it is harmless (and writes no second entry)
    firm.api.call("POST", f"/api/staff/team/members/{member['id']}/deactivate", expect=200)
    listed = next(m for m in team_members(firm) if m["id"] == member["id"])
    assert listed["status"] == "deactivated"
    problem(firm.api.call("PATCH", f"/api/staff/team/members/{member['id']}", {"role": "staff"}), 409)
    assert "reactivate" in problem(firm.api.call("POST", "/api/staff/team/invites", {"email": member["email"], "name": "Dee", "role": "staff"}), 409)["detail"]
    # reactivated: signs in again, with the role they had
    back = firm.api.call("POST", f"/api/staff/team/members/{member['id']}/reactivate", expect=200).json()
    assert back["status"] == "active"
    again = stack.api().sign_in(member["email"], STAFF_PASSWORD)
    assert again.call("GET", "/api/staff/me", expect=200).json()["role"] == "admin"
    events = [e for e in firm_history(firm) if e.get("subject_id") == member["id"]]
    assert [e["event"] for e in events][:2] == ["staff_reactivated", "staff_deactivated"]
    assert sum(e["event"] == "staff_deactivated" for e in events) == 1
    assert all(e["actor"]["name"] == firm.info["owner_name"] and e["ip"] for e in events[:2])


def test_two_owners_deactivating_each_other_at_once_leave_one_owner(stack, firm):
    second, second_api = team_member(stack, firm, "staff", "Co Owner")
    firm.api.call("PATCH", f"/api/staff/team/members/{second['id']}", {"role": "owner"}, expect=200)
    owner_id = firm.info["staff_sub"]
    route = "/api/staff/team/members/{member_id}/deactivate"
    with instances(stack, "team", 2) as fn:
        stack.faults([{"op": "TransactWriteItems", "calls": [1, 2], "kind": "delay", "seconds": 2}])
        try:
            answers = staff_at_once(fn, [
                (firm.api.token, "POST", f"/api/staff/team/members/{second['id']}/deactivate", route, None, {"member_id": second["id"]}),
                (second_api.token, "POST", f"/api/staff/team/members/{owner_id}/deactivate", route, None, {"member_id": owner_id}),
            ])
        finally:
            stack.faults([])
    assert sorted(s for s, _ in answers) == [200, 409], answers
    records = [stack.table().get_item(Key={"PK": f"STAFF#{sub}", "SK": "STAFF"})["Item"] for sub in (owner_id, second["id"])]
    assert sum("deactivated_at" not in r for r in records) == 1


def test_one_link_submitted_twice_at_once_makes_one_login(stack, firm):
    email = unique_email("twice")
    invite_staff(firm, email)
    token = join_token(stack, email)
    route = "/api/team-invites/{token}/account"
    with instances(stack, "accounts", 2) as fn:
        stack.faults([{"op": "TransactWriteItems", "calls": [1, 2], "kind": "delay", "seconds": 2}])
        try:
            answers = fn.all_at_once([("POST", f"/api/team-invites/{token}/account", route, {"password": STAFF_PASSWORD}, {"token": token})] * 2)
        finally:
            stack.faults([])
    assert sorted(s for s, _ in answers) in ([201, 409], [201, 410]), answers
    members = [m for m in team_members(firm) if m["email"] == email]
    assert len(members) == 1
    stack.api().sign_in(email, STAFF_PASSWORD).call("GET", "/api/staff/me", expect=200)


def test_a_firm_item_without_the_owners_count_gets_it_from_its_staff_records(stack, firm):
    """Firms made before the count (or by hand) have none: the first change that needs it
    counts the active owners from the staff records, then keeps the count."""
    second, second_api = team_member(stack, firm, "admin", "Al Second")
    firm.api.call("PATCH", f"/api/staff/team/members/{second['id']}", {"role": "owner"}, expect=200)
    key = {"PK": f"FIRM#{firm.firm_id}", "SK": "FIRM"}
    stack.table().update_item(Key=key, UpdateExpression="REMOVE owners")
    second_api.call("PATCH", f"/api/staff/team/members/{firm.info['staff_sub']}", {"role": "admin"}, expect=200)
    assert stack.table().get_item(Key=key)["Item"]["owners"] == 1
    stack.table().update_item(Key=key, UpdateExpression="REMOVE owners")
    assert "last active owner" in problem(second_api.call("PATCH", f"/api/staff/team/members/{second['id']}", {"role": "staff"}), 409)["detail"]
    assert stack.table().get_item(Key=key)["Item"]["owners"] == 1


def test_an_invite_email_the_service_refuses_changes_nothing(stack, firm):
    email = unique_email("refused")
    stack.faults([{"op": "SendEmail", "calls": [1], "kind": "reject"}])
    try:
        body = problem(firm.api.call("POST", "/api/staff/team/invites", {"email": email, "name": "Re Fused", "role": "staff"}), 409)
    finally:
        stack.faults([])
    assert "could not be sent" in body["detail"] and "not verified" in body["detail"]
    assert not [i for i in staff_invites(firm) if i["email"] == email]
    assert not [e for e in firm_history(firm) if email in (e.get("detail") or "")]
    assert invite_staff(firm, email)["outcome"] == "sent"


def test_the_team_lists_walk_in_pages_without_repeats_or_gaps_and_refuse_other_lists_cursors(stack, firm):
    """Members and invites not yet used are two paged lists in email order. A joined
    colleague's invite and a revoked one are not listed (their index key moved out of the
    list's range); a cursor of the other list, of another firm's list or an altered one is a
    400 naming `cursor`."""
    colleague, _ = team_member(stack, firm, "staff", "Cleo Joined")
    seeded_members, seeded_invites = seed_team(stack, firm.firm_id, members=3, invites=2, prefix=f"walk-{uuid.uuid4().hex[:6]}")
    sent = [invite_staff(firm, unique_email(f"inv{n}"), "staff", f"Invitee {n}") for n in range(3)]
    revoked = invite_staff(firm, unique_email("revoked"), "staff", "Rev Oked")
    firm.api.call("DELETE", f"/api/staff/team/invites/{revoked['id']}", expect=204)

    members, pages = walk(firm.api, "/api/staff/team", 2, key="email")
    emails = [m["email"] for m in members]
    assert len(emails) == len(set(emails)), f"repeated: {emails}"
    assert sorted(emails) == emails, "email order"
    assert set(emails) == {firm.info["email"], colleague["email"], *seeded_members}, "nothing lost, nothing extra"
    assert len(pages) >= 3 and all(len(p) <= 2 for p in pages)

    invites, pages = walk(firm.api, "/api/staff/team/invites", 2, key="email")
    emails = [i["email"] for i in invites]
    assert len(emails) == len(set(emails)), f"repeated: {emails}"
    assert sorted(emails) == emails
    assert set(emails) == {*(s["email"] for s in sent), *seeded_invites}, "open invites only: not the used one, not the revoked one"
    assert len(pages) >= 3 and all(len(p) <= 2 for p in pages)
    assert all(i["status"] == "open" for i in invites)

    # The used and the revoked invite left the list's key range (so the list never reads them).
    table = stack.table()
    for email in (colleague["email"], revoked["email"]):
        item = table.query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p", ExpressionAttributeValues={":p": f"FIRM#{firm.firm_id}"})["Items"]
        keys = [i["GSI1SK"] for i in item if i.get("email") == email and i["SK"] == "STAFFINVITE"]
        assert keys == [f"ENDEDSTAFFINVITE#{email}"], keys
    # An invite that ended before keys moved (its key still in the range) is skipped all the same.
    table.update_item(Key={"PK": f"STAFFINVITE#{revoked['id']}", "SK": "STAFFINVITE"}, UpdateExpression="SET GSI1SK = :k",
                      ExpressionAttributeValues={":k": f"STAFFINVITE#{revoked['email']}"})
    assert revoked["email"] not in [i["email"] for i in walk(firm.api, "/api/staff/team/invites", 2, key="email")[0]]

    members_next = firm.api.call("GET", page_url("/api/staff/team", 1), expect=200).json()["next"]
    invites_next = firm.api.call("GET", page_url("/api/staff/team/invites", 1), expect=200).json()["next"]
    firm.client("Cursor One")
    firm.client("Cursor Two")
    clients_next = firm.api.call("GET", page_url("/api/staff/clients", 1), expect=200).json()["next"]
    assert members_next and invites_next and clients_next
    other = stack.new_firm("Other Team Firm")
    invite_staff(other, unique_email("o1"))
    invite_staff(other, unique_email("o2"))
    other_next = other.api.call("GET", page_url("/api/staff/team/invites", 1), expect=200).json()["next"]
    assert other_next
    for path, cursor in [
        ("/api/staff/team", invites_next),
        ("/api/staff/team", clients_next),
        ("/api/staff/team/invites", members_next),
        ("/api/staff/team/invites", other_next),
        ("/api/staff/team", members_next[:-3]),
        ("/api/staff/team/invites", "not-a-cursor"),
    ]:
        body = problem(firm.api.call("GET", page_url(path, 2, cursor)), 400)
        assert body["errors"][0]["field"] == "cursor", (path, body)
    # And the other firm cannot read this firm's team with this firm's cursor.
    assert problem(other.api.call("GET", page_url("/api/staff/team", 2, members_next)), 400)["errors"][0]["field"] == "cursor"
    for bad in ("0", "201", "ten"):
        assert problem(firm.api.call("GET", f"/api/staff/team?limit={bad}"), 400)["errors"][0]["field"] == "limit"
        assert problem(firm.api.call("GET", f"/api/staff/team/invites?limit={bad}"), 400)["errors"][0]["field"] == "limit"
