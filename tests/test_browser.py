"""The web UI in a real browser (Debian's Chromium driven by Playwright): the core loop as
staff and client live it, the bulk invite, and Add a File. Screenshots of each main screen
go to tests/artifacts/ (not committed) for a reviewer to look at."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

import local_mailbox
import portal_local as pl
from support import (PASSWORD as P, PDF, accept_invite, delivery_of, fresh_code, land, mail_to, png, reminders_to, run_reminders,
                     seed_clients, seed_team, unique_email, upload_slot)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# A loaded CI machine (2 cores, compilers running) is far slower than a laptop; the
# assertions do not depend on speed, so waits are generous.
expect.set_options(timeout=30_000)
PAGE_TIMEOUT_MS = 60_000
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Browser-Pass-2027"


@pytest.fixture(scope="module")
def browser(stack):
    ARTIFACTS.mkdir(exist_ok=True)
    # moto does not invoke Lambda: stand in for the bucket notification, as make dev does
    notifier = pl.S3Notifier(stack.env, stack.base)
    notifier.run_forever()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()
    notifier.stop()


@pytest.fixture(scope="module")
def mailbox_url(stack):
    port = pl.free_port()
    server = local_mailbox.Mailbox(stack.proxy.url).serve(port)
    yield f"http://127.0.0.1:{port}/"
    server.shutdown()


# What the Content-Security-Policy refused on any page a journey opened (see new_page).
CSP_VIOLATIONS: list[str] = []
PAGES: list = []
# Each violation is also reported to the page's own script as a `securitypolicyviolation`
# event: log it, so a violation the browser does not print is seen as well.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} ${e.sample || ""}`));"""


def _csp_message(text: str) -> bool:
    return text.startswith("CSP violation:") or "Refused to" in text or "Content Security Policy" in text


@pytest.fixture(autouse=True)
def no_csp_violations():
    """Every test here fails if any page it opened had something refused by the CSP (an
    inline style attribute, an inline script, a foreign origin, ...)."""
    CSP_VIOLATIONS.clear()
    PAGES.clear()
    yield
    for page in PAGES:  # deliver the events still queued for open pages
        if not page.is_closed():
            page.wait_for_timeout(200)
    assert not CSP_VIOLATIONS, "the Content-Security-Policy refused something:\n" + "\n".join(dict.fromkeys(CSP_VIOLATIONS))


def new_page(browser, **kwargs):
    page = browser.new_page(**kwargs)
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    PAGES.append(page)
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: CSP_VIOLATIONS.append(f"{page.url}: {m.text}") if _csp_message(m.text) else None)
    # Anything the page logs as an error, or throws, is printed with a failing test.
    page.on("console", lambda m: print(f"[console {m.type}] {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
    page.on("requestfailed", lambda r: print(f"[requestfailed] {r.method} {r.url.split('?')[0]} {r.failure}"))
    return page


def app_ready(page, tries: int = 3) -> None:
    """Wait until the app has rendered after a full page load.

    `cargo lambda watch --ignore-changes` (the local emulator, not our function: its log shows
    every asset served with 200) sometimes answers one of a browser's parallel module requests
    with a bare 500, and the module graph then never runs. Only that case is retried, by
    reloading; anything else fails the test."""
    for attempt in range(tries):
        try:
            page.locator("main h1").first.wait_for(timeout=20_000)
            return
        except Exception:
            if attempt == tries - 1:
                raise
            print(f"[app not rendered; reloading, attempt {attempt + 2}]")
            page.reload()


def goto(page, url: str) -> None:
    page.goto(url)
    app_ready(page)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_core_loop_in_the_browser(stack, browser, mailbox_url):
    firm = stack.new_firm("Browser Firm")
    client = firm.client("Rivera Household")
    maria_email = unique_email("maria")
    firm.contact(client["id"], "Maria", "Rivera", maria_email)
    firm.contact(client["id"], "Luis", "Rivera")  # no email
    page = new_page(browser, viewport={"width": 1200, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # staff sign in
    goto(page, stack.base + "/#/staff/sign-in")
    page.get_by_label("Email").fill(firm.info["email"])
    page.get_by_label("Password").fill(firm.info["password"])
    shot(page, "01-staff-sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Rivera Household").click()
    expect(page.get_by_role("heading", name="Rivera Household")).to_be_visible()
    maria = page.locator("li[data-contact]", has_text="Maria Rivera")
    expect(maria).to_contain_text("No invite sent")
    shot(page, "02-client-record")

    # Send Invite with a personalized message and a preview
    maria.locator("summary").click()
    maria.get_by_role("button", name="Send Invite").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Email", exact=True)).to_have_value(maria_email)
    dialog.get_by_label("Personalized message (optional)").fill("Welcome! Please upload your W-2.")
    dialog.get_by_role("button", name="Preview").click()
    expect(dialog.frame_locator("iframe.preview").get_by_text("Welcome! Please upload your W-2.")).to_be_visible()
    shot(page, "03-invite-window")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_have_count(0)
    expect(maria).to_contain_text("Invited — never logged in")
    shot(page, "04-invited")

    # the mailbox → Create Account
    page.goto(mailbox_url)
    mail = page.get_by_role("article", name=f"Email to {maria_email}")
    expect(mail).to_be_visible()
    shot(page, "05-mailbox")
    mail.get_by_role("link", name="Create Account").click()
    app_ready(page)
    expect(page.get_by_role("heading", name="Create your Client Portal account")).to_be_visible()
    expect(page.locator("#invited-email")).to_have_value(maria_email)
    expect(page.locator("#invited-email")).to_have_attribute("readonly", "")
    page.get_by_label("Choose a password").fill("weak")
    page.get_by_label("Repeat the password").fill("weak")
    page.get_by_role("button", name="Create Account").click()
    expect(page.locator(".problem")).to_contain_text("at least 10 characters")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shot(page, "06-create-account")
    page.get_by_role("button", name="Create Account").click()

    # Home, with the token gone from the address bar
    expect(page.get_by_role("heading", name="Rivera Household")).to_be_visible()
    assert "create-account" not in page.url and not re.search(r"[0-9a-f]{64}", page.url), page.url
    expect(page.get_by_role("heading", name="To-Do")).to_be_visible()
    expect(page.locator("footer.portal").get_by_role("link", name="User settings")).to_be_visible()
    expect(page.locator("footer.portal").get_by_role("link", name="Update personal information")).to_be_visible()
    shot(page, "07-home")

    # Add a File, with a progress bar, confirmed by file-events
    page.get_by_role("navigation", name="Portal sections").get_by_role("link", name="Files").click()
    page.get_by_label("Add a File").set_input_files(files=[{"name": "2026 W-2.pdf", "mimeType": "application/pdf",
                                                             "buffer": b"%PDF-1.7\n" + b"1" * 200_000}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#file-list li[data-status=available]", has_text="2026 W-2.pdf")).to_be_visible(timeout=20_000)
    # the input says what it takes, and a CSV as Windows with Excel declares it is a CSV
    expect(page.locator("#add-file-types")).to_contain_text("CSV")
    assert ".csv" in page.get_by_label("Add a File").get_attribute("accept").split(",")
    page.get_by_label("Add a File").set_input_files(files=[{"name": "Q1 bank export.csv", "mimeType": "application/vnd.ms-excel",
                                                             "buffer": b"date,amount\r\n2026-01-02,12.50\r\n"}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#file-list li[data-status=available]", has_text="Q1 bank export.csv")).to_be_visible(timeout=20_000)
    shot(page, "08-files")

    # back as staff: Last login today, without a reload of the whole app
    goto(page, stack.base + f"/#/staff/clients/{client['id']}")
    today = datetime.now(timezone.utc).strftime("%b %-d, %Y")
    expect(page.locator("li[data-contact]", has_text="Maria Rivera")).to_contain_text(f"Last login {today}")
    expect(page.locator("#files").get_by_text("2026 W-2.pdf")).to_be_visible()
    shot(page, "09-staff-after")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_bulk_invite_with_a_contact_missing_an_email(stack, browser):
    firm = stack.new_firm("Bulk Firm")
    client = firm.client("Chen Holdings")
    firm.contact(client["id"], "Amy", "Chen", unique_email("amy"))
    firm.contact(client["id"], "Bo", "Chen", unique_email("bo"))
    firm.contact(client["id"], "Cy", "Chen")
    page = new_page(browser)
    staff_sign_in(page, stack, firm)
    page.get_by_role("link", name="Chen Holdings").click()
    page.get_by_text("⋮ Menu").click()
    page.get_by_role("button", name="Invite Contacts to the Client Portal").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Cy Chen — needs an email")).to_be_checked()
    dialog.get_by_label("Personalized message (optional)").fill("Our new portal")
    dialog.get_by_role("button", name="Send").click()
    results = dialog.locator("#bulk-results")
    expect(results.locator("li[data-outcome=sent]")).to_have_count(2)
    expect(results.locator("li[data-outcome=missing_email]")).to_contain_text("Cy Chen: Needs an email address")
    shot(page, "10-bulk-invite")
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator("li[data-contact]", has_text="Amy Chen")).to_contain_text("Invited — never logged in")
    expect(page.locator("li[data-contact]", has_text="Cy Chen")).to_contain_text("No invite sent")


def test_invite_window_asks_for_a_missing_email_and_saves_it(stack, browser):
    firm = stack.new_firm("Missing Email Firm")
    client = firm.client("Okafor Family")
    chidi = firm.contact(client["id"], "Chidi", "Okafor")
    page = new_page(browser)
    staff_sign_in(page, stack, firm)
    page.get_by_role("link", name="Okafor Family").click()
    row = page.locator("li[data-contact]", has_text="Chidi Okafor")
    row.locator("summary").click()
    expect(row).to_contain_text("No email on file")
    row.get_by_role("button", name="Send Invite").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This contact has no email address")
    dialog.get_by_label("Email", exact=True).fill("not-an-email")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.locator(".field-error").first).to_contain_text("email is not a valid email address")
    email = unique_email("chidi")
    dialog.get_by_label("Email", exact=True).fill(email)
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_have_count(0)
    expect(row).to_contain_text("Invited — never logged in")
    assert firm.api.call("GET", f"/api/staff/contacts/{chidi['id']}", expect=200).json()["email"] == email


def test_a_contact_on_two_clients_switches_portals(stack, browser):
    firm = stack.new_firm("Two Portals Firm")
    household, bakery = firm.client("Rivera Household"), firm.client("Rivera Bakery LLC")
    email = unique_email("maria")
    maria = firm.contact(household["id"], "Maria", "Rivera", email)
    firm.api.call("PUT", f"/api/staff/clients/{bakery['id']}/contacts/{maria['id']}", expect=201)
    accept_invite(stack, firm, household["id"], maria["id"], email)
    accept_invite(stack, firm, bakery["id"], maria["id"], email)
    firm.api.call("POST", f"/api/staff/clients/{bakery['id']}/requests", {"title": "Payroll reports", "assignee_ids": [maria["id"]]}, expect=201)
    page = new_page(browser)
    goto(page, stack.base + "/#/portal/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(P)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rivera Bakery LLC")
    expect(page.get_by_role("link", name="Payroll reports")).to_be_visible()
    page.get_by_label("Portal", exact=True).select_option(label="Rivera Household")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rivera Household")
    expect(page.get_by_text("Nothing to do right now.")).to_be_visible()
    shot(page, "12-portal-switch")


def test_a_contact_turns_on_two_step_sign_in_in_settings_after_proving_the_login(stack, browser):
    firm = stack.new_firm("Settings Mfa Firm")
    client = firm.client("Okafor Family")
    email = unique_email("ngozi")
    ngozi = firm.contact(client["id"], "Ngozi", "Okafor", email)
    accept_invite(stack, firm, client["id"], ngozi["id"], email)
    page = new_page(browser)
    goto(page, stack.base + "/#/portal/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(P)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Okafor Family")
    goto(page, stack.base + "/#/portal/settings")
    # the session alone gets no secret: the password is asked for
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator(".field-error", has_text="password is required: enter your password")).to_be_visible()
    expect(page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-secret]")).to_have_count(0)
    page.get_by_label("Your password").fill(P)
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.locator("[data-secret]").inner_text()
    page.get_by_label("Code from the app").fill(fresh_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-step sign-in is on: every sign-in asks for a code from your app.")).to_be_visible()
    shot(page, "13-settings-mfa")


def test_phone_width_sign_in_is_usable(stack, browser):
    page = new_page(browser, viewport={"width": 375, "height": 740})
    goto(page, stack.base + "/#/portal/sign-in")
    expect(page.get_by_role("heading", name="Client sign in")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".problem")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    shot(page, "11-phone-sign-in")


def staff_sign_in(page, stack, firm) -> None:
    goto(page, stack.base + "/#/staff/sign-in")
    page.get_by_label("Email").fill(firm.info["email"])
    page.get_by_label("Password").fill(firm.info["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()


def test_signature_form_messages_and_a_bounced_invite_in_the_browser(stack, browser):
    firm = stack.new_firm("Journey Firm")
    client = firm.client("Santos Family")
    email = unique_email("ines")
    ines = firm.contact(client["id"], "Ines", "Santos", email)
    accept_invite(stack, firm, client["id"], ines["id"], email)
    bad = firm.contact(client["id"], "Bo", "Bounce", f"bounce+{email.split('@')[0]}@simulator.amazonses.com")
    rita = firm.contact(client["id"], "Rita", "Santos", unique_email("rita"))
    firm.api.call("POST", f"/api/staff/clients/{client['id']}/invites", {"contact_ids": [bad["id"], rita["id"]]}, expect=200)
    # the hourly reminders job, run with its sample scheduled event a week ahead (once SES
    # has reported Bo's bounce: a bounced invite gets no reminder)
    delivery_of(stack, firm, client["id"], bad["id"], "bounced")
    run_reminders(stack, 8)
    slot = upload_slot(firm.api, "staff", client["id"], {"name": "Engagement letter.pdf", "size": len(PDF), "content_type": "application/pdf"})
    assert land(stack, slot, PDF) == "available"

    staff = new_page(browser, viewport={"width": 1200, "height": 900})
    staff_sign_in(staff, stack, firm)
    staff.get_by_role("link", name="Santos Family").click()
    # the bounced invite is shown as bounced, so staff fix the address instead of waiting
    expect(staff.locator("li[data-contact]", has_text="Bo Bounce")).to_contain_text("Invite bounced", timeout=60_000)

    # … while Rita, who has not accepted, got the automatic reminder: her access history says so
    rita_row = staff.locator("li[data-contact]", has_text="Rita Santos")
    rita_row.locator("summary").click()
    rita_row.get_by_role("button", name="Access history").click()
    history = staff.get_by_role("dialog")
    expect(history.locator("tr", has_text="Automatic reminder").first).to_contain_text("Invite sent")
    history.get_by_role("button", name="Close").click()
    assert reminders_to(stack, rita["email"])

    # staff send the engagement letter for signature …
    sig = staff.locator("#signatures")
    sig.get_by_text("Send a document for signature").click()
    sig.get_by_label("Document").select_option(label="Engagement letter.pdf")
    sig.get_by_label("Ines Santos").check()
    sig.get_by_label("Message (optional)").fill("Please sign the engagement letter for 2026.")
    sig.get_by_role("button", name="Send for signature").click()
    expect(sig.locator("li[data-form]", has_text="Engagement letter.pdf")).to_contain_text("Waiting for signatures")
    # … and write to Ines
    msgs = staff.locator("#messages")
    msgs.get_by_text("New message").click()
    msgs.get_by_label("Subject").fill("Your 2026 engagement")
    msgs.get_by_label("Message", exact=True).fill("Hi Ines, the letter is ready to sign in the portal.")
    msgs.get_by_label("Ines Santos").check()
    msgs.get_by_text("Attach files").click()
    msgs.get_by_label("Engagement letter.pdf").check()
    msgs.get_by_role("button", name="Send message").click()
    expect(msgs.locator("#thread-list li", has_text="Your 2026 engagement")).to_be_visible()
    shot(staff, "13-staff-signatures-messages")

    # Ines: Home shows the form to sign and the unread message
    portal = new_page(browser, viewport={"width": 1200, "height": 900})
    goto(portal, stack.base + "/#/portal/sign-in")
    portal.get_by_label("Email").fill(email)
    portal.get_by_label("Password").fill(P)
    portal.get_by_role("button", name="Sign in").click()
    expect(portal.locator("#unread-summary")).to_contain_text("1 unread message")
    expect(portal.get_by_role("link", name="Sign: Engagement letter.pdf")).to_be_visible()
    shot(portal, "14-portal-home-sign-and-message")

    # the message round trip
    portal.get_by_role("link", name="Open messages").click()
    portal.get_by_role("button", name="Your 2026 engagement").click()
    expect(portal.locator("ol.messages")).to_contain_text("the letter is ready to sign")
    expect(portal.locator("ol.messages")).to_contain_text("Attached: Engagement letter.pdf")
    portal.get_by_label("Reply").fill("Thank you, signing now.")
    portal.get_by_role("button", name="Send reply").click()
    expect(portal.locator("ol.messages li")).to_have_count(2)

    # sign: read the document (its fingerprint is computed from the bytes shown), consent, name
    portal.get_by_role("navigation", name="Portal sections").get_by_role("link", name="Home").click()
    portal.get_by_role("link", name="Sign: Engagement letter.pdf").click()
    expect(portal.get_by_role("heading", name="Sign: Engagement letter.pdf")).to_be_visible()
    portal.get_by_label("Type your full name to sign").fill("Ines Santos")
    portal.get_by_role("button", name="Sign", exact=True).click()
    expect(portal.locator("#sign-form .problem")).to_contain_text("Open the document")
    portal.get_by_role("button", name="Open the document").click()
    expect(portal.locator("#document-fingerprint")).to_contain_text(hashlib.sha256(PDF).hexdigest())
    portal.get_by_role("button", name="Sign", exact=True).click()
    expect(portal.locator("#sign-form .problem")).to_contain_text("consent")
    portal.get_by_label(re.compile("I agree to sign this document electronically")).check()
    pad = portal.locator("canvas.signature-pad").bounding_box()
    portal.mouse.move(pad["x"] + 20, pad["y"] + 80)
    portal.mouse.down()
    for i in range(1, 12):
        portal.mouse.move(pad["x"] + 20 + i * 25, pad["y"] + 80 - (i % 3) * 20)
    portal.mouse.up()
    shot(portal, "15-portal-sign")
    portal.get_by_role("button", name="Sign", exact=True).click()
    expect(portal.get_by_role("link", name="Certificate of completion")).to_be_visible()

    # staff see it signed, with the certificate, and Ines's answer as unread
    staff.reload()
    app_ready(staff)
    form = staff.locator("#signatures li[data-form]", has_text="Engagement letter.pdf")
    expect(form).to_contain_text("Completed")
    expect(staff.locator("#thread-list li", has_text="Your 2026 engagement")).to_contain_text("1 unread")
    form.get_by_role("link", name="Certificate").click()
    app_ready(staff)
    expect(staff.get_by_role("heading", name="Certificate of completion")).to_be_visible()
    expect(staff.locator("#certificate-document-hash")).to_have_text(hashlib.sha256(PDF).hexdigest())
    expect(staff.locator("tr[data-signer]")).to_contain_text("Ines Santos")
    expect(staff.locator("tr[data-signer] img.drawn")).to_be_visible()
    shot(staff, "16-certificate")


def test_staff_rename_archive_and_restore_a_client_and_remove_a_contact(stack, browser):
    firm = stack.new_firm("Lifecycle Firm")
    client = firm.client("Quinn Household")
    firm.client("Other Client")
    firm.contact(client["id"], "Kay", "Quinn", unique_email("kay"))
    page = new_page(browser)
    confirms: list[str] = []
    page.on("dialog", lambda d: (confirms.append(d.message), d.accept()))
    staff_sign_in(page, stack, firm)
    page.get_by_role("link", name="Quinn Household").click()

    page.get_by_role("button", name="Rename", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Client name").fill("Quinn Family Trust")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quinn Family Trust")

    row = page.locator("li[data-contact]", has_text="Kay Quinn")
    row.locator("summary").click()
    row.get_by_role("button", name="Remove from client").click()
    expect(page.locator("li[data-contact]", has_text="Kay Quinn")).to_have_count(0)
    assert confirms[-1].startswith("Remove Kay Quinn from Quinn Family Trust?"), confirms

    page.get_by_role("button", name="Archive client").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Archived")
    expect(page.locator("p.notice")).to_contain_text("This client is archived")
    assert confirms[-1].startswith("Archive Quinn Family Trust?"), confirms
    shot(page, "13-client-archived")
    page.get_by_role("link", name="← Archived clients").click()
    expect(page.get_by_role("heading", name="Archived clients")).to_be_visible()
    page.get_by_role("link", name="Active", exact=True).click()
    expect(page.get_by_role("link", name="Other Client")).to_be_visible()
    expect(page.get_by_role("link", name="Quinn Family Trust")).to_have_count(0)
    page.get_by_role("link", name="Archived", exact=True).click()
    page.get_by_role("link", name="Quinn Family Trust").click()
    page.get_by_role("button", name="Restore client").click()
    expect(page.get_by_role("button", name="Archive client")).to_be_visible()
    expect(page.locator("p.notice")).to_have_count(0)
    assert confirms[-1].startswith("Restore Quinn Family Trust?"), confirms


def test_an_owner_invites_a_colleague_who_joins_and_is_then_made_admin_and_deactivated(stack, browser):
    """Issue 16's acceptance: the owner invites a colleague on the Team page; the colleague
    creates a login from the email, sets up the authenticator and sees the clients; the
    owner makes them admin, then deactivates them, and their next call is refused."""
    firm = stack.new_firm("Team Firm")
    firm.client("Okafor Partners")
    owner = new_page(browser, viewport={"width": 1200, "height": 900})
    staff_sign_in(owner, stack, firm)
    owner.get_by_role("link", name="Team", exact=True).click()
    expect(owner.get_by_role("heading", name="Team — Team Firm")).to_be_visible()
    email = unique_email("kemi")
    form = owner.locator("#invite-member")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Name").fill("Kemi Ade")
    form.get_by_label("Role").select_option("staff")
    form.get_by_role("button", name="Send invite").click()
    expect(owner.locator("tr[data-invite]", has_text=email)).to_contain_text("Invited")
    shot(owner, "17-team-invited")

    colleague = new_page(browser, viewport={"width": 1200, "height": 900})
    goto(colleague, mail_to(stack, email)[-1]["create_account_url"])
    expect(colleague.get_by_role("heading", name="Join Team Firm on the Client Portal")).to_be_visible()
    colleague.get_by_label("Choose a password").fill(PASSWORD + "!x")
    colleague.get_by_label("Repeat the password").fill(PASSWORD + "!x")
    colleague.get_by_role("button", name="Create my login").click()
    expect(colleague.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    assert "#" not in colleague.url, "the token left the address bar"
    secret = colleague.locator("[data-secret]").inner_text()
    colleague.get_by_label("Code from the app").fill(fresh_code(secret))
    colleague.get_by_role("button", name="Turn on and continue").click()
    expect(colleague.get_by_role("heading", name="Clients")).to_be_visible()
    expect(colleague.get_by_role("link", name="Okafor Partners")).to_be_visible()
    expect(colleague.locator("#nav a", has_text="Team")).to_have_count(0)
    shot(colleague, "18-colleague-clients")
    token = colleague.evaluate("JSON.parse(sessionStorage.getItem('portal.staff.session')).access_token")

    owner.reload()
    app_ready(owner)
    row = owner.locator("tr[data-member]", has_text=email)
    expect(row).to_contain_text("Active")
    row.get_by_label("Role of Kemi Ade").select_option("admin")
    expect(owner.locator("#flash")).to_contain_text("Kemi Ade is now admin")
    assert stack.api(token).call("GET", "/api/staff/me", expect=200).json()["role"] == "admin"
    owner.once("dialog", lambda d: d.accept())
    owner.locator("tr[data-member]", has_text=email).get_by_role("button", name="Deactivate").click()
    expect(owner.locator("tr[data-member]", has_text=email)).to_contain_text("Deactivated")
    # the firm's history says who did what, from where
    history = owner.locator("#firm-history")
    expect(history.locator("tr", has_text="Deactivated a member")).to_contain_text("Kemi Ade")
    expect(history.locator("tr", has_text="Changed a role")).to_contain_text("from staff to admin")
    # (the owner's own "Joined the firm" is there too: they joined from create-firm's invite)
    expect(history.locator("tr", has_text="Joined the firm").filter(has_text="Kemi Ade")).to_have_count(1)
    shot(owner, "19-team-deactivated")
    # the colleague's very next call with the token they hold is refused
    assert stack.api(token).call("GET", "/api/staff/clients").status_code == 401
    colleague.reload()
    app_ready(colleague)
    expect(colleague.get_by_role("heading", name="Firm staff sign in")).to_be_visible()


def test_the_team_page_loads_more_members_and_invites(stack, browser):
    """A team larger than a page: each list shows its first 50 and loads the rest on demand."""
    firm = stack.new_firm("Big Team Firm")
    members, invites = seed_team(stack, firm.firm_id, members=55, invites=52, prefix="0-big")
    page = new_page(browser, viewport={"width": 1200, "height": 900})
    staff_sign_in(page, stack, firm)
    page.get_by_role("link", name="Team", exact=True).click()
    member_rows, invite_rows = page.locator("#members tr[data-member]"), page.locator("#staff-invites tr[data-invite]")
    expect(member_rows).to_have_count(50)
    expect(invite_rows).to_have_count(50)
    expect(member_rows.first).to_contain_text(members[0])
    page.locator(".paged", has=page.locator("#members")).get_by_role("button", name="Load more").click()
    expect(member_rows).to_have_count(56)  # the 55 seeded and the owner
    expect(page.locator(".paged", has=page.locator("#members")).get_by_role("button", name="Load more")).to_be_hidden()
    expect(invite_rows).to_have_count(50)
    page.locator(".paged", has=page.locator("#staff-invites")).get_by_role("button", name="Load more").click()
    expect(invite_rows).to_have_count(52)
    expect(invite_rows.last).to_contain_text(invites[-1])
    shot(page, "19b-team-paged")


def test_staff_set_the_firms_profile_logo_and_colour_on_portal_settings(stack, browser):
    firm = stack.new_firm("Brand Firm")
    page = new_page(browser, viewport={"width": 1200, "height": 1000})
    staff_sign_in(page, stack, firm)
    page.get_by_role("link", name="Portal settings").click()
    expect(page.get_by_role("heading", name="Firm profile")).to_be_visible()
    profile = page.locator("#firm-profile")
    # A bad field is named on the form and nothing is saved.
    profile.get_by_label("Client Portal Help Center URL (shown in invite emails)").fill("http://help.brandt.example")
    profile.get_by_role("button", name="Save profile").click()
    expect(profile.locator(".problem")).to_contain_text("https://")
    profile.get_by_label("Firm name").fill("Brandt & Partner")
    profile.get_by_label("Client Portal Help Center URL (shown in invite emails)").fill("https://help.brandt.example/portal")
    profile.get_by_label("Sender name").fill("Brandt & Partner Steuerberatung")
    profile.get_by_label("Reply-to email address").fill("office@brandt.example")
    profile.get_by_label("Accent colour (header and buttons)").fill("#0a7d3b")
    profile.get_by_role("button", name="Save profile").click()
    expect(page.locator("#flash")).to_contain_text("Firm profile saved.")
    expect(profile.locator(".problem")).to_have_count(0)
    expect(profile.locator("#sender-preview")).to_contain_text('"Brandt & Partner Steuerberatung" <')
    expect(page.locator(".top .brand")).to_contain_text("Brandt & Partner")
    save = profile.get_by_role("button", name="Save profile")
    assert save.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(10, 125, 59)"
    # The logo: a PNG through the presigned upload, checked by file-events, then shown.
    logo = page.locator("#firm-logo")
    logo.get_by_label("Logo image").set_input_files(files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png(40, 20, (10, 125, 59))}])
    logo.get_by_role("button", name="Upload logo").click()
    expect(page.locator("#flash")).to_contain_text("Logo saved.")
    expect(logo.locator(".logo-preview img")).to_be_visible()
    header_logo = page.locator(".top img.brand-logo")
    expect(header_logo).to_be_visible()
    assert header_logo.evaluate("i => i.complete && i.naturalWidth") == 40
    shot(page, "17-portal-settings-profile")
    # Reloaded, the header keeps the firm's look.
    page.reload()
    app_ready(page)
    expect(page.locator(".top img.brand-logo")).to_be_visible()
    logo = page.locator("#firm-logo")
    logo.get_by_role("button", name="Remove logo").click()
    expect(page.locator("#flash")).to_contain_text("Logo removed.")
    expect(page.locator(".top img.brand-logo")).to_have_count(0)
    settings = firm.api.call("GET", "/api/staff/firm/settings", expect=200).json()
    assert (settings["firm_name"], settings["reply_to"], settings["accent_color"], settings["logo_url"]) == ("Brandt & Partner", "office@brandt.example", "#0a7d3b", None)


def test_invite_contacts_of_selected_clients_from_the_clients_list(stack, browser):
    firm = stack.new_firm("Jobs Firm")
    alder, birch = firm.client("Alder Partners"), firm.client("Birch Family")
    ann = unique_email("ann")
    firm.contact(alder["id"], "Ann", "Alder", ann)
    firm.contact(birch["id"], "Ben", "Birch", unique_email("ben"))
    firm.contact(birch["id"], "Bea", "Birch")
    page = new_page(browser)
    staff_sign_in(page, stack, firm)
    button = page.get_by_role("button", name="Invite Contacts to the Client Portal")
    expect(button).to_be_disabled()
    page.get_by_label("Select all on this page").check()
    expect(page.get_by_label("Select Birch Family")).to_be_checked()
    button.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Personalized message (optional)").fill("Welcome to our portal")
    dialog.get_by_role("button", name="Send").click()
    # The progress view polls the job until the worker is done.
    job = dialog.locator("#invite-job[data-status=done]")
    expect(job).to_be_visible(timeout=120_000)
    expect(job.locator("[data-count=sent]")).to_contain_text("Sent: 2 of 3")
    expect(job.locator("[data-count=missing_email]")).to_contain_text("Needs an email address: 1")
    shot(page, "11-invite-job")
    assert len(mail_to(stack, ann)) == 1 and "Welcome to our portal" in mail_to(stack, ann)[0]["text"]
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("link", name="Alder Partners").click()
    expect(page.locator("li[data-contact]", has_text="Ann Alder")).to_contain_text("Invited — never logged in")


def test_staff_page_search_and_filter_a_large_clients_list(stack, browser):
    firm = stack.new_firm("Many Clients Firm")
    # 60 clients (Seeded 000000 … 000059), three contacts each, every second one active.
    seed_clients(stack, firm.firm_id, 60, contacts_per_client=3, files_per_client=0, audit_per_client=0)
    page = new_page(browser)
    staff_sign_in(page, stack, firm)
    rows = page.locator("#client-list > li")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Seeded 000000")
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(60)
    expect(rows.last).to_contain_text("Seeded 000059")
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    shot(page, "12-clients-paged")
    # By the start of a name…
    page.get_by_label("Search").fill("seeded 00004")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("Seeded 000040")
    # …or of a contact's email: the row says who.
    page.get_by_label("Search").fill("c000007.2@")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Seeded 000007")
    expect(rows.first).to_contain_text("c000007.2@seeded.example.com")
    # The portal-status filter, in the vendor's words, narrowed by the search.
    page.get_by_label("Search").fill("seeded 000001")
    page.get_by_label("Portal status").select_option(label="Invited but never logged in")
    expect(page.get_by_text("No client matches.")).to_be_visible()
    page.get_by_label("Portal status").select_option(label="Has portal access")
    expect(rows.first).to_contain_text("Last login")
    shot(page, "13-clients-filtered")
    page.get_by_label("Search").fill("")
    page.get_by_label("Portal status").select_option(label="No invite sent")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("No invite sent")


def test_invoices_and_payments_load_more_for_staff_and_the_contact(stack, browser):
    """Billing in pages: 52 invoices (one paid), the balance over all of them, Load more on
    the staff card and on the contact's Billing page, and the payment history."""
    firm = stack.new_firm("Billing Pages Firm")
    client = firm.client("Many Invoices LLC")
    email = unique_email("payer")
    payer = firm.contact(client["id"], "Pat", "Payer", email)
    accept_invite(stack, firm, client["id"], payer["id"], email)
    firm.api.call("PUT", "/api/staff/settings/billing", {"billing_enabled": True, "online_payments_enabled": False}, expect=200)
    base = f"/api/staff/clients/{client['id']}"
    made = [firm.api.call("POST", f"{base}/invoices", {"number": f"B-{n:03d}", "issue_date": "2026-11-01", "due_date": "2027-01-31", "currency": "USD",
                                                        "lines": [{"description": "Monthly bookkeeping", "unit_amount": 10000}]}, expect=201).json()
            for n in range(52)]
    firm.api.call("POST", f"{base}/invoices/{made[0]['id']}/payments", {"amount": 10000, "reference": "transfer 77"}, expect=201)

    page = new_page(browser)
    staff_sign_in(page, stack, firm)
    goto(page, stack.base + f"/#/staff/clients/{client['id']}")
    card = page.locator("section", has=page.get_by_role("heading", name="Invoices", exact=True))
    expect(card.get_by_text("$5,100.00")).to_be_visible()  # 51 unpaid × $100
    expect(card.get_by_text("51 open invoices")).to_be_visible()
    rows = card.locator("tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("B-051")  # newest first
    card.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(52)
    expect(rows.last).to_contain_text("B-000")
    card.get_by_text("Payment history").click()
    expect(card.get_by_text("for invoice B-000")).to_be_visible()

    portal = new_page(browser)
    goto(portal, stack.base + "/#/portal/sign-in")
    portal.get_by_label("Email").fill(email)
    portal.get_by_label("Password").fill(P)
    portal.get_by_role("button", name="Sign in").click()
    expect(portal.get_by_role("heading", level=1)).to_have_text("Many Invoices LLC")
    # A firm without a logo: its name alone in the header (it once read "null Billing Pages Firm").
    expect(portal.locator(".top .brand")).to_have_text("Billing Pages Firm")
    goto(portal, stack.base + f"/#/portal/clients/{client['id']}/billing")
    expect(portal.get_by_text("$5,100.00")).to_be_visible()
    invoices = portal.locator("section", has=portal.get_by_role("heading", name="Invoices", exact=True)).locator("tbody tr")
    expect(invoices).to_have_count(50)
    portal.get_by_role("button", name="Load more").click()
    expect(invoices).to_have_count(52)
    expect(invoices.last).to_contain_text("Paid")
    expect(portal.get_by_text("for invoice B-000")).to_be_visible()
    shot(portal, "20-portal-billing-pages")
