"""The local mailbox: the emails SES "sent" in the local stack, as a page and as JSON.

moto keeps every message SendEmail accepted and exposes them at /moto-api/data.json
(`ses` → `Message`: id, source, destinations, subject, body — the HTML part when both
parts were sent). moto records no send time, so the mailbox stamps each message with the
time it first saw it (it looks every second while `make dev` runs).

Not part of the deployed system: `make dev` serves it on 127.0.0.1:9001
(PORTAL_MAILBOX_PORT), and the tests read the same JSON through `messages()`.
"""
from __future__ import annotations

import html
import json
import re
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

LINK = re.compile(r'href="([^"]*/create-account#[0-9a-f]+)"')


def _text(body: str) -> str:
    t = re.sub(r"<br\s*/?>", "\n", body)
    t = re.sub(r"</p>", "\n\n", t)
    t = re.sub(r"<[^>]+>", "", t)
    return html.unescape(re.sub(r"\n{3,}", "\n\n", t)).strip()


def messages(endpoint: str) -> list[dict]:
    """Every sent message, oldest first."""
    # data.json serialises all of moto's state: it gets slower as a test session grows.
    data = requests.get(f"{endpoint}/moto-api/data.json", timeout=60).json()
    out = []
    for m in data.get("ses", {}).get("Message", []):
        body = m.get("body") or ""
        link = LINK.search(body)
        d = m.get("destinations") or {}
        out.append({
            "id": m.get("id"),
            "from": m.get("source"),
            "to": d.get("ToAddresses", []),
            "subject": m.get("subject"),
            "html": body,
            "text": _text(body),
            "create_account_url": html.unescape(link.group(1)) if link else None,
        })
    return out


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
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.seen: dict[str, str] = {}
        self.lock = threading.Lock()

    def poll(self) -> list[dict]:
        msgs = messages(self.endpoint)
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        with self.lock:
            for m in msgs:
                m["time"] = self.seen.setdefault(m["id"], now)
        return list(reversed(msgs))  # newest first

    def page(self) -> str:
        msgs = self.poll()
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
                try:
                    if self.path.split("?")[0] == "/messages.json":
                        body, ctype = json.dumps(box.poll()).encode(), "application/json"
                    elif self.path.split("?")[0] in ("/", "/index.html"):
                        body, ctype = box.page().encode(), "text/html; charset=utf-8"
                    else:
                        self.send_error(404)
                        return
                except requests.RequestException:
                    self.send_error(502, "the AWS emulator is not answering")
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

        def stamp():
            while True:
                try:
                    box.poll()
                except requests.RequestException:
                    pass
                time.sleep(1)

        threading.Thread(target=stamp, daemon=True).start()
        return server
