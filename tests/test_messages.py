"""Secure messages: threads between the firm and the contacts they are shared with, unread
counts on Home, "you have a new message" emails that never carry the message, and
attachments through the files machinery."""
from __future__ import annotations

from support import PDF, active_contact, land, mail_to, problem, spend_quota, unique_email, upload_slot

SECRET = "The refund is 4,812.00; the draft return is attached."


def notes_to(stack, email: str) -> list[dict]:
    return [m for m in mail_to(stack, email) if "new message" in (m["subject"] or "")]


def test_a_message_round_trip_with_unread_counts_and_notifications(stack, firm):
    client = firm.client("Message Client")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    cy, cy_api = active_contact(stack, firm, client["id"], "Cy")
    bo = firm.contact(client["id"], "Bo", "Invited", unique_email("bo"))
    base = f"/api/staff/clients/{client['id']}/threads"
    mine = f"/api/portal/clients/{client['id']}/threads"

    # only contacts with portal access can be in a thread; bad input names every field
    body = problem(firm.api.call("POST", base, {"subject": "Return", "body": SECRET, "contact_ids": [bo["id"]]}), 400)
    assert "invite them first" in body["errors"][0]["message"]
    body = problem(firm.api.call("POST", base, {"subject": " ", "contact_ids": []}), 400)
    assert sorted(e["field"] for e in body["errors"]) == ["body", "contact_ids", "subject"]
    assert firm.api.call("GET", base, expect=200).json()["items"] == []

    # a staff file attached to the message is shared with the thread's contacts
    slot = upload_slot(firm.api, "staff", client["id"], {"name": "Draft return.pdf", "size": len(PDF), "content_type": "application/pdf"})
    assert land(stack, slot, PDF) == "available"
    posted = firm.api.call("POST", base, {"subject": "Your 2026 return", "body": SECRET, "contact_ids": [ana["id"]],
                                          "file_ids": [slot["file"]["id"]]}, expect=201).json()
    thread_id = posted["thread"]["id"]
    assert posted["notifications"] == [{"to": "contact", "id": ana["id"], "outcome": "sent"}]
    assert posted["thread"]["unread"] == 0 and posted["message"]["attachments"] == [{"file_id": slot["file"]["id"], "name": "Draft return.pdf"}]

    # the email says there is a message and where, never what it says or its subject
    note = notes_to(stack, ana["email"])[-1]
    assert "new message" in note["text"] and "/#/portal" in note["html"]
    assert SECRET not in note["html"] and "2026 return" not in note["html"] and "2026 return" not in note["subject"]

    # Ana sees one unread message on Home and in the list; Cy (not in the thread) sees nothing
    home = ana_api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()
    assert home["messages"] == {"unread_messages": 1, "unread_threads": 1}
    assert [(t["subject"], t["unread"]) for t in ana_api.call("GET", mine, expect=200).json()["items"]] == [("Your 2026 return", 1)]
    assert cy_api.call("GET", mine, expect=200).json()["items"] == []
    problem(cy_api.call("GET", f"{mine}/{thread_id}"), 404)
    problem(cy_api.call("POST", f"{mine}/{thread_id}/messages", {"body": "me too"}), 404)

    # opening marks it read; the attachment is hers to download
    opened = ana_api.call("GET", f"{mine}/{thread_id}", expect=200).json()
    assert [m["body"] for m in opened["items"]] == [SECRET]
    assert opened["items"][0]["attachments"][0]["name"] == "Draft return.pdf"
    ana_api.call("GET", f"/api/portal/clients/{client['id']}/files/{slot['file']['id']}/download", expect=200)
    problem(cy_api.call("GET", f"/api/portal/clients/{client['id']}/files/{slot['file']['id']}/download"), 404)
    home = ana_api.call("GET", f"/api/portal/clients/{client['id']}/home", expect=200).json()
    assert home["messages"] == {"unread_messages": 0, "unread_threads": 0}

    # Ana answers: the staff member who wrote is told by email, and sees one unread
    reply = ana_api.call("POST", f"{mine}/{thread_id}/messages", {"body": "Thanks, looks right."}, expect=201).json()
    assert reply["message"]["seq"] == 2 and reply["message"]["by"]["kind"] == "contact"
    assert reply["notifications"] == [{"to": "staff", "id": firm.info["staff_sub"], "outcome": "sent"}]
    assert notes_to(stack, firm.info["email"]), "staff got the notification"
    assert [t["unread"] for t in firm.api.call("GET", base, expect=200).json()["items"]] == [1]
    detail = firm.api.call("GET", f"{base}/{thread_id}", expect=200).json()
    assert [(m["seq"], m["by"]["name"], m["body"]) for m in detail["items"]] == [(1, posted["message"]["by"]["name"], SECRET), (2, "Ana Client", "Thanks, looks right.")]
    assert [t["unread"] for t in firm.api.call("GET", base, expect=200).json()["items"]] == [0]

    # a contact starts a thread with the firm; she cannot pull other contacts in
    problem(cy_api.call("POST", mine, {"subject": "Q", "body": "Hi", "contact_ids": [ana["id"]]}), 400)
    started = cy_api.call("POST", mine, {"subject": "A question about invoices", "body": "Is the invoice due now?"}, expect=201).json()
    # nobody at the firm has written in it yet: the firm's staff are told — here by the email
    # Ana's answer caused a moment ago (one email per recipient and client per 15 minutes)
    assert started["thread"]["participants"] == [cy["id"]]
    assert [(n["to"], n["id"], n["outcome"]) for n in started["notifications"]] == [("staff", firm.info["staff_sub"], "held")]
    assert len(notes_to(stack, firm.info["email"])) == 1
    assert [t["subject"] for t in firm.api.call("GET", base, expect=200).json()["items"]] == ["A question about invoices", "Your 2026 return"]
    # a contact cannot attach a file they cannot see
    problem(cy_api.call("POST", f"{mine}/{started['thread']['id']}/messages", {"body": "see file", "file_ids": [slot["file"]["id"]]}), 400)


def test_threads_stay_inside_their_firm(stack, firm):
    client = firm.client("Private Thread Client")
    ana, _ = active_contact(stack, firm, client["id"], "Ana")
    t = firm.api.call("POST", f"/api/staff/clients/{client['id']}/threads", {"subject": "S", "body": "B", "contact_ids": [ana["id"]]}, expect=201).json()
    other = stack.new_firm()
    problem(other.api.call("GET", f"/api/staff/clients/{client['id']}/threads"), 404)
    problem(other.api.call("GET", f"/api/staff/clients/{client['id']}/threads/{t['thread']['id']}"), 404)
    problem(other.api.call("POST", f"/api/staff/clients/{client['id']}/threads/{t['thread']['id']}/messages", {"body": "x"}), 404)


def test_new_message_emails_are_coalesced_per_recipient_and_client(stack, firm):
    """Issue 15, finding 3: posting is not a way to make the portal email people without
    limit. A recipient gets one "new message" email per client per 15 minutes, however many
    threads or messages are written; another client's messages are their own email; once the
    window has passed, the next message is emailed again."""
    client, other = firm.client("Chatty Client"), firm.client("Quiet Client")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    _, ola_api = active_contact(stack, firm, other["id"], "Ola")
    mine = f"/api/portal/clients/{client['id']}/threads"
    outcomes = [ana_api.call("POST", mine, {"subject": f"Question {i}", "body": "Hello?"}, expect=201).json()["notifications"][0]["outcome"]
                for i in range(6)]
    assert outcomes == ["sent"] + ["held"] * 5
    assert len(notes_to(stack, firm.info["email"])) == 1
    # another client of the firm: its own email
    ola_api.call("POST", f"/api/portal/clients/{other['id']}/threads", {"subject": "Mine", "body": "Hi"}, expect=201)
    assert len(notes_to(stack, firm.info["email"])) == 2
    # staff answers in two threads: Ana is emailed once
    threads = firm.api.call("GET", f"/api/staff/clients/{client['id']}/threads", expect=200).json()["items"]
    for t in threads[:2]:
        firm.api.call("POST", f"/api/staff/clients/{client['id']}/threads/{t['id']}/messages", {"body": "Answer"}, expect=201)
    assert len(notes_to(stack, ana["email"])) == 1
    # the window has passed (the mark's time moved back): the next message is emailed
    stack.table().update_item(Key={"PK": f"NOTIFIED#{firm.info['staff_sub']}", "SK": f"CLIENT#{client['id']}"},
                              UpdateExpression="SET #u = :past", ExpressionAttributeNames={"#u": "until"}, ExpressionAttributeValues={":past": 1})
    again = ana_api.call("POST", f"{mine}/{threads[0]['id']}/messages", {"body": "One more thing"}, expect=201).json()
    assert [n["outcome"] for n in again["notifications"]] == ["sent"]
    assert len(notes_to(stack, firm.info["email"])) == 3


def test_a_contact_starts_at_most_30_conversations_and_sends_300_messages_a_day(stack, firm):
    """Issue 15, finding 3: daily quotas per contact; refused with 429 and Retry-After,
    nothing stored, and answering in an existing thread is a separate, larger quota."""
    client = firm.client("Talkative")
    ana, ana_api = active_contact(stack, firm, client["id"], "Ana")
    mine = f"/api/portal/clients/{client['id']}/threads"
    spend_quota(stack, "contact_threads", ana["id"], 29)
    thread = ana_api.call("POST", mine, {"subject": "The 30th", "body": "Hi"}, expect=201).json()["thread"]
    r = ana_api.call("POST", mine, {"subject": "The 31st", "body": "Hi"})
    assert "30 conversations" in problem(r, 429)["detail"] and int(r.headers["retry-after"]) > 0
    assert [t["subject"] for t in ana_api.call("GET", mine, expect=200).json()["items"]] == ["The 30th"]
    ana_api.call("POST", f"{mine}/{thread['id']}/messages", {"body": "still here"}, expect=201)
    spend_quota(stack, "contact_messages", ana["id"], 300)
    assert "300 messages" in problem(ana_api.call("POST", f"{mine}/{thread['id']}/messages", {"body": "one more"}), 429)["detail"]
    # staff are not limited by a contact's quota
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/threads/{thread['id']}/messages", {"body": "answer"}, expect=201)
