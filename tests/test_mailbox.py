"""The local mailbox kept by the SES proxy (scripts/aws_proxy.py, scripts/local_mailbox.py),
against moto and the proxy alone (no functions): what moto accepted is in it, by recipient
and in sending order; what a fault refused or moto failed is not."""
from __future__ import annotations

import tempfile
from email.message import EmailMessage
from pathlib import Path

import botocore.exceptions
import pytest

import local_mailbox
import portal_local as pl

SENDER = "portal@mailbox-test.example"


@pytest.fixture(scope="module")
def ses():
    with pl.ses_behind_proxy(Path(tempfile.mkdtemp(prefix="portal-mailbox-test-")), SENDER) as pair:
        yield pair


def simple(ses, to: list[str], subject: str, html: str | None, text: str | None, sender: str = SENDER) -> str:
    body = {}
    if html is not None:
        body["Html"] = {"Data": html, "Charset": "UTF-8"}
    if text is not None:
        body["Text"] = {"Data": text, "Charset": "UTF-8"}
    return ses.send_email(FromEmailAddress=sender, Destination={"ToAddresses": to},
                          Content={"Simple": {"Subject": {"Data": subject}, "Body": body}})["MessageId"]


def test_an_accepted_email_is_read_by_recipient_with_the_fields_of_the_mailbox(ses):
    proxy, client = ses
    link = "http://127.0.0.1:9000/create-account#" + "ab" * 64
    html = f'<p>Dear Ana,</p><p>Welcome &amp; hello</p><p><a href="{link}">Create Account</a></p>'
    mid = simple(client, ["Ana@Example.com"], "Your portal", html, "Dear Ana, welcome: " + link)
    [m] = local_mailbox.messages(proxy.url, to="ana@example.com")
    assert m["id"] == mid and m["from"] == SENDER and m["to"] == ["Ana@Example.com"] and m["subject"] == "Your portal"
    assert m["html"] == html and m["text"] == "Dear Ana, welcome: " + link
    assert m["create_account_url"] == link
    assert m["time"].endswith("Z") and m["seq"] >= 1
    # a text-only email: the text is both (as moto keeps it), with no link
    simple(client, ["bo@example.com"], "Plain", None, "Just text")
    [p] = local_mailbox.messages(proxy.url, to="bo@example.com")
    assert p["html"] == "Just text" and p["text"] == "Just text" and p["create_account_url"] is None
    # an HTML-only email: the text is made from the HTML
    simple(client, ["cy@example.com"], "Html only", "<p>One</p><p>Two<br>three</p>", None)
    [h] = local_mailbox.messages(proxy.url, to="cy@example.com")
    assert h["text"] == "One\n\nTwo\nthree"
    assert local_mailbox.messages(proxy.url, to="nobody@example.com") == []


def test_a_refused_or_failed_send_is_not_in_the_mailbox(ses):
    proxy, client = ses
    before = proxy.mailbox.count()
    proxy.set_rules([{"op": "SendEmail", "calls": [1], "kind": "reject"}])
    try:
        with pytest.raises(botocore.exceptions.ClientError, match="MessageRejected"):
            simple(client, ["refused@example.com"], "Refused", "<p>x</p>", "x")
    finally:
        proxy.set_rules([])
    # moto itself refuses an unverified sender
    with pytest.raises(botocore.exceptions.ClientError):
        simple(client, ["failed@example.com"], "Failed", "<p>x</p>", "x", sender="nobody@unverified.example")
    assert local_mailbox.messages(proxy.url, to="refused@example.com") == []
    assert local_mailbox.messages(proxy.url, to="failed@example.com") == []
    assert proxy.mailbox.count() == before
    # the next accepted one is there
    simple(client, ["refused@example.com"], "Accepted", "<p>x</p>", "x")
    assert [m["subject"] for m in local_mailbox.messages(proxy.url, to="refused@example.com")] == ["Accepted"]


def test_raw_content_is_parsed_as_moto_does(ses):
    proxy, client = ses
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, "raw@example.com", "Raw subject"
    msg.set_content("the text part")
    msg.add_alternative('<p>the <a href="http://x/create-account#beef">html</a> part</p>', subtype="html")
    client.send_email(FromEmailAddress=SENDER, Destination={"ToAddresses": ["raw@example.com"]},
                      Content={"Raw": {"Data": msg.as_bytes()}})
    [m] = local_mailbox.messages(proxy.url, to="raw@example.com")
    assert m["subject"] == "Raw subject" and m["from"] == SENDER and m["to"] == ["raw@example.com"]
    assert "the text part" in m["text"] and m["html"].strip().startswith("<p>the <a")
    assert m["create_account_url"] == "http://x/create-account#beef"


def test_the_page_reads_what_came_after_the_last_read(ses):
    proxy, client = ses
    total = proxy.mailbox.count()
    everything = local_mailbox.messages(proxy.url)
    assert [m["seq"] for m in everything] == list(range(1, total + 1))
    simple(client, ["page@example.com"], "First", "<p>1</p>", "1")
    simple(client, ["page@example.com", "other@example.com"], "Second", "<p>2</p>", "2")
    new = local_mailbox.messages(proxy.url, after=total)
    assert [m["subject"] for m in new] == ["First", "Second"]
    assert [m["subject"] for m in local_mailbox.messages(proxy.url, to="other@example.com")] == ["Second"]
    box = local_mailbox.Mailbox(proxy.url)
    assert [m["subject"] for m in box.poll()[:2]] == ["Second", "First"]
    assert "Email to page@example.com" in box.page() and box.page(to="other@example.com").count("<article") == 1
