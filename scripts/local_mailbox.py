"""The local mailbox: the emails SES "sent" in the local stack, as a page and as JSON.

Sent mail is captured where it is sent: the SES-facing proxy (scripts/aws_proxy.py) sees
every SESv2 `SendEmail` of the functions and, once moto has accepted it (a refused or failed
send is never in the mailbox), keeps the email in memory here (`Store`), indexed by
recipient, with the time it was sent. Reading one recipient's mail therefore costs the same
after one email or ten thousand. (moto's own `/moto-api/data.json` serialises all of moto's
state — 5 MB and 40 s late in a test run — and is not read for mail.)

The proxy serves it at `GET <proxy>/__mailbox?to=<address>` (that recipient's mail, oldest
first) and `GET <proxy>/__mailbox?after=<n>` (every email after the n-th, for the page);
`messages()` is the client of that. Not part of the deployed system: `make dev` serves the
page on 127.0.0.1:9001 (PORTAL_MAILBOX_PORT), the tests read through `messages()`.
"""
from __future__ import annotations

import base64
import email
import email.policy
import html
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

# An invite's button: a contact's Create Account link, or a colleague's staff invite (/join).
LINK = re.compile(r'href="([^"]*/(?:create-account|join)#[0-9a-f]+)"')


def _text(body: str) -> str:
    t = re.sub(r"<br\s*/?>", "\n", body)
    t = re.sub(r"</p>", "\n\n", t)
    t = re.sub(r"<[^>]+>", "", t)
    return html.unescape(re.sub(r"\n{3,}", "\n\n", t)).strip()


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def _raw_parts(data: str) -> tuple[dict, str | None, str | None]:
    """Headers, HTML and text parts of a raw MIME message (SESv2 `Content.Raw`)."""
    msg = email.message_from_string(data, policy=email.policy.default)
    parts: dict[str, str] = {}
    for part in msg.walk():
        ctype = part.get_content_type()
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if ctype in ("text/html", "text/plain") and ctype not in parts:
            parts[ctype] = part.get_content()
    headers = {"from": msg.get("From"), "to": [a.strip() for a in (msg.get("To") or "").split(",") if a.strip()],
               "subject": msg.get("Subject")}
    return headers, parts.get("text/html"), parts.get("text/plain")


def sent_email(request: dict, message_id: str) -> dict:
    """The mailbox entry of one accepted SESv2 `SendEmail` request body (parsed as moto does:
    `Content.Simple` with Subject and Body Html/Text, or `Content.Raw` MIME data).

    `html` is the HTML part (the text part when no HTML was sent), `text` the text part
    (derived from the HTML when none was sent)."""
    dest = request.get("Destination") or {}
    to = list(dest.get("ToAddresses") or [])
    content = request.get("Content") or {}
    frm = request.get("FromEmailAddress")
    if "Raw" in content:
        headers, body_html, body_text = _raw_parts(base64.b64decode(content["Raw"]["Data"]).decode("utf-8", "replace"))
        frm = frm or headers["from"]
        to = to or headers["to"]
        subject = headers["subject"]
    else:
        simple = content.get("Simple") or {}
        subject = (simple.get("Subject") or {}).get("Data")
        body = simple.get("Body") or {}
        body_html = (body.get("Html") or {}).get("Data")
        body_text = (body.get("Text") or {}).get("Data")
    shown = body_html if body_html is not None else (body_text or "")
    link = LINK.search(shown)
    recipients = to + list(dest.get("CcAddresses") or []) + list(dest.get("BccAddresses") or [])
    return {
        "id": message_id,
        "from": frm,
        "reply_to": list(request.get("ReplyToAddresses") or []),
        "to": to,
        "subject": subject,
        "html": shown,
        "text": body_text if body_text is not None else _text(shown),
        "create_account_url": html.unescape(link.group(1)) if link else None,
        "time": _now(),
        "recipients": recipients,
    }


class Store:
    """Every email moto accepted, in memory: in sending order (`seq` 1, 2, …) and by
    recipient (To, Cc and Bcc; addresses compared without case)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: list[dict] = []
        self.by_recipient: dict[str, list[dict]] = {}

    def add(self, entry: dict) -> None:
        recipients = {a.lower() for a in entry.pop("recipients", entry["to"])}
        with self.lock:
            entry["seq"] = len(self.sent) + 1
            self.sent.append(entry)
            for a in recipients:
                self.by_recipient.setdefault(a, []).append(entry)

    def to(self, address: str) -> list[dict]:
        with self.lock:
            return list(self.by_recipient.get(address.lower(), ()))

    def after(self, n: int, limit: int | None = None) -> list[dict]:
        with self.lock:
            out = self.sent[max(n, 0):]
        return out[:limit] if limit is not None else out

    def count(self) -> int:
        with self.lock:
            return len(self.sent)

    def answer(self, query: str) -> dict:
        """The proxy's `GET /__mailbox?…` answer: `to=<address>` or `after=<n>` (default 0),
        optional `limit`; `last` is the number of emails sent so far."""
        q = parse_qs(query)
        last = self.count()
        if "to" in q:
            msgs = self.to(q["to"][0])
        else:
            limit = int(q["limit"][0]) if "limit" in q else None
            msgs = self.after(int(q.get("after", ["0"])[0]), limit)
        return {"messages": msgs, "last": last}


def messages(proxy: str, to: str | None = None, after: int | None = None) -> list[dict]:
    """The sent mail the proxy at `proxy` captured, oldest first: one recipient's (`to`), or
    every email after the `after`-th (all of them if neither is given)."""
    params = {"to": to} if to is not None else {"after": after or 0}
    r = requests.get(f"{proxy.rstrip('/')}/__mailbox?{urlencode(params)}", timeout=30)
    r.raise_for_status()
    return r.json()["messages"]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local mailbox</title>
<style>
body{{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}}
header{{background:#1d2430;color:#fff;padding:12px 20px}} main{{max-width:900px;margin:0 auto;padding:16px}}
article{{background:#fff;border-radius:8px;margin:0 0 16px;padding:16px;box-shadow:0 1px 2px #0002}}
dl{{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0 0 12px}} dt{{font-weight:600}}
iframe{{width:100%;height:420px;border:1px solid #d5d9e0;border-radius:6px;background:#fff}}
a.cta{{display:inline-block;margin:0 0 12px;padding:8px 14px;background:#1f5fbf;color:#fff;border-radius:6px;text-decoration:none}}
</style></head><body>
<header><strong>Local mailbox</strong> — emails the portal sent through the emulated SES ({count}). Not part of the deployed system. <a href="/" style="color:#9cf">Refresh</a></header>
<main>{items}</main></body></html>"""

ITEM = """<article aria-label="Email to {to}">
<dl><dt>To</dt><dd>{to}</dd><dt>From</dt><dd>{frm}</dd><dt>Subject</dt><dd>{subject}</dd><dt>Time</dt><dd>{time}</dd></dl>
{cta}<iframe title="Body of the email to {to}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="{body}"></iframe>
</article>"""


class Mailbox:
    """The mailbox page (`/`, `?to=<address>` for one recipient) and `/messages.json`
    (newest first), read from the proxy: each view fetches only the emails sent since the
    last one (`after=`)."""

    def __init__(self, proxy: str):
        self.proxy = proxy
        self.msgs: list[dict] = []
        self.lock = threading.Lock()

    def poll(self) -> list[dict]:
        with self.lock:
            new = messages(self.proxy, after=len(self.msgs))
            self.msgs.extend(new)
            return list(reversed(self.msgs))  # newest first

    def page(self, to: str | None = None) -> str:
        msgs = self.poll() if to is None else list(reversed(messages(self.proxy, to=to)))
        items = "".join(ITEM.format(
            to=html.escape(", ".join(m["to"])), frm=html.escape(m["from"] or ""), subject=html.escape(m["subject"] or ""),
            time=html.escape(m["time"]), body=html.escape(m["html"], quote=True),
            cta=(f'<a class="cta" href="{html.escape(m["create_account_url"])}">Create Account</a>'
                 if m["create_account_url"] else "")) for m in msgs) or "<p>No emails yet.</p>"
        return PAGE.format(count=len(msgs), items=items)

    def serve(self, port: int) -> ThreadingHTTPServer:
        box = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                to = parse_qs(url.query).get("to", [None])[0]
                try:
                    if url.path == "/messages.json":
                        msgs = box.poll() if to is None else list(reversed(messages(box.proxy, to=to)))
                        body, ctype = json.dumps(msgs).encode(), "application/json"
                    elif url.path in ("/", "/index.html"):
                        body, ctype = box.page(to).encode(), "text/html; charset=utf-8"
                    else:
                        self.send_error(404)
                        return
                except requests.RequestException:
                    self.send_error(502, "the local SES proxy is not answering")
                    return
                self.send_response(200)
                self.send_header("content-type", ctype)
                self.send_header("cache-control", "no-store")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # invite links must not reach a log
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
