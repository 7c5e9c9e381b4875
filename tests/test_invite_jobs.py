"""Bulk invites as background work (issue 18, part 3): a job is accepted at once (202),
recorded, and sent by the invite worker from the SQS queue (moto's SQS; the local stack's
poller stands in for the event source mapping) at no more than the account's SES rate (the
proxy answers GetAccount with 50/s and refuses faster sends as SES does), never emailing
anyone twice; its progress is visible through the API."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from datetime import datetime

import local_mailbox
import portal_local as pl
import runtime_api
from support import mail_to, pollers_paused, problem, proxy_state, seed_invitees, start_job, status_of, unique_email, wait_job


def queue_url(stack) -> str:
    return stack.env["INVITE_JOBS_QUEUE_URL"]


def test_a_job_across_two_clients_emails_each_contact_once_and_counts_missing_emails(stack, firm):
    a, b = firm.client("Job Alpha LLC"), firm.client("Job Beta Inc")
    people = [firm.contact(a["id"], "Ann", "Alpha", unique_email("ann")), firm.contact(a["id"], "Al", "Alpha", unique_email("al")),
              firm.contact(b["id"], "Bea", "Beta", unique_email("bea"))]
    no_email = firm.contact(b["id"], "Bo", "Beta")
    r = start_job(firm, client_ids=[a["id"], b["id"]], message="Welcome aboard")
    job = r.json()
    assert job["status"] == "running" and job["clients_total"] == 2 and job["sent"] == 0
    done = wait_job(firm, job["id"])
    assert done["status"] == "done", done
    assert (done["total"], done["sent"], done["missing_email"], done["failed"], done["pending"]) == (4, 3, 1, 0, 0), done
    for p in people:
        mails = mail_to(stack, p["email"])
        assert len(mails) == 1, (p["email"], mails)
        assert "Welcome aboard" in mails[0]["text"] and "/create-account#" in mails[0]["create_account_url"]
    # The contacts' statuses moved as with a per-client invite.
    assert status_of(firm, a["id"], people[0]["id"])["status"] == "invited"
    assert status_of(firm, b["id"], no_email["id"]) == {"status": "not_invited"}
    # The job is in the firm's list, newest first.
    listed = firm.api.call("GET", "/api/staff/invite-jobs?limit=5", expect=200).json()
    assert listed["items"][0]["id"] == job["id"] and listed["items"][0]["sent"] == 3


def test_named_contacts_only_and_the_list_pages(stack, firm):
    c = firm.client("Pick Some")
    keep, skip = firm.contact(c["id"], "Kim", "Keep", unique_email("kim")), firm.contact(c["id"], "Sid", "Skip", unique_email("sid"))
    ids = []
    for _ in range(3):
        ids.append(start_job(firm, contacts=[{"client_id": c["id"], "contact_id": keep["id"]}]).json()["id"])
        wait_job(firm, ids[-1])
    assert len(mail_to(stack, keep["email"])) == 3 and mail_to(stack, skip["email"]) == []
    first = firm.api.call("GET", "/api/staff/invite-jobs?limit=2", expect=200).json()
    assert [j["id"] for j in first["items"]] == ids[::-1][:2] and first["next"]
    second = firm.api.call("GET", f"/api/staff/invite-jobs?limit=2&cursor={first['next']}", expect=200).json()
    assert [j["id"] for j in second["items"]] == [ids[0]] and second["next"] is None


def test_another_firm_s_client_refuses_the_whole_job_and_records_nothing(stack, firm):
    other = stack.new_firm("Other Firm")
    theirs = other.client("Not Yours")
    other.contact(theirs["id"], "Tess", "Theirs", unique_email("tess"))
    mine = firm.client("Mine")
    me = firm.contact(mine["id"], "Mo", "Mine", unique_email("mo"))
    body = problem(start_job(firm, expect=400, client_ids=[mine["id"], theirs["id"]]), 400)
    assert theirs["id"] in json.dumps(body)
    assert firm.api.call("GET", "/api/staff/invite-jobs", expect=200).json()["items"] == []
    time.sleep(1)
    assert mail_to(stack, me["email"]) == []
    # Their job cannot be read by id from here.
    theirs_job = start_job(other, client_ids=[theirs["id"]]).json()
    problem(firm.api.call("GET", f"/api/staff/invite-jobs/{theirs_job['id']}"), 404)


def test_bad_requests_say_what_to_fix(stack, firm):
    c = firm.client("Bad Input")
    problem(start_job(firm, expect=400), 400)
    problem(start_job(firm, expect=400, client_ids=["nope"]), 400)
    problem(start_job(firm, expect=400, client_ids=[c["id"]], message="x" * 2001), 400)
    problem(start_job(firm, expect=400, client_ids=[c["id"]], surprise=1), 400)
    problem(start_job(firm, expect=400, client_ids=[c["id"]], template_id="0192f3a0-0000-7000-8000-000000000000"), 400)
    problem(firm.api.call("GET", "/api/staff/invite-jobs?cursor=!!"), 400)
    problem(firm.api.call("GET", "/api/staff/invite-jobs?limit=0"), 400)
    problem(firm.api.call("GET", "/api/staff/invite-jobs/0192f3a0-0000-7000-8000-000000000000"), 404)
    archived = firm.client("Archived One")
    firm.api.call("POST", f"/api/staff/clients/{archived['id']}/archive", {}, expect=200)
    problem(start_job(firm, expect=400, client_ids=[archived["id"]]), 400)
    assert firm.api.call("GET", "/api/staff/invite-jobs", expect=200).json()["items"] == []


def test_an_idempotency_key_gives_the_same_job_and_queues_nothing_again(stack, firm):
    c = firm.client("Twice Asked")
    p = firm.contact(c["id"], "Ida", "Idem", unique_email("ida"))
    key = {"Idempotency-Key": "bulk-1"}
    first = start_job(firm, headers=key, client_ids=[c["id"]]).json()
    again = start_job(firm, headers=key, client_ids=[c["id"]]).json()
    assert again["id"] == first["id"]
    wait_job(firm, first["id"])
    assert len(firm.api.call("GET", "/api/staff/invite-jobs", expect=200).json()["items"]) == 1
    assert len(mail_to(stack, p["email"])) == 1


def test_a_message_delivered_twice_sends_once(stack, firm):
    c = firm.client("Delivered Twice")
    people = [firm.contact(c["id"], f"Dup{i}", "Twice", unique_email(f"dup{i}")) for i in range(3)]
    job = start_job(firm, client_ids=[c["id"]]).json()
    # SQS delivers at least once: the same work arrives again, while and after it runs.
    sqs = stack.aws("sqs")
    body = json.dumps({"job_id": job["id"], "firm_id": firm.firm_id, "client_id": c["id"]})
    sqs.send_message(QueueUrl=queue_url(stack), MessageBody=body)
    done = wait_job(firm, job["id"])
    sqs.send_message(QueueUrl=queue_url(stack), MessageBody=body)
    deadline = time.time() + 60
    while int(sqs.get_queue_attributes(QueueUrl=queue_url(stack), AttributeNames=["All"])["Attributes"]
              ["ApproximateNumberOfMessages"]) and time.time() < deadline:
        time.sleep(0.3)
    time.sleep(2)
    for p in people:
        assert len(mail_to(stack, p["email"])) == 1, p["email"]
    after = firm.api.call("GET", f"/api/staff/invite-jobs/{job['id']}", expect=200).json()
    assert (after["total"], after["sent"]) == (done["total"], done["sent"]) == (3, 3), after


def test_a_worker_dying_right_after_ses_accepted_never_sends_that_contact_again(stack, firm, tmp_path):
    """The worker runs on its own here (a Runtime API of our own), so killing it does not take
    the shared local stack down; the message is then delivered again, as SQS would."""
    c = firm.client("Dies Midway")
    p = firm.contact(c["id"], "Dee", "Ies", unique_email("dee"))
    firm.contact(c["id"], "No", "Mail")
    sqs = stack.aws("sqs")
    with pollers_paused(stack):
        job = start_job(firm, client_ids=[c["id"]]).json()
        [msg] = sqs.receive_message(QueueUrl=queue_url(stack), MaxNumberOfMessages=1, WaitTimeSeconds=2)["Messages"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url(stack), AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        api = runtime_api.RuntimeApi().start()
        env = runtime_api.read_env_file(stack.run_dir / "functions.env")
        proc = runtime_api.spawn(pl.target_dir() / "debug" / "invite-worker", "invite-worker", api, env, tmp_path / "worker.log")
        stack.faults([{"op": "SendEmail", "calls": [1], "kind": "kill"}])
        try:
            answer = api.invoke(pl.sqs_event(arn, [msg]), timeout=60, proc=proc)
            fired = stack.fired()
            proc.wait(timeout=30)
        finally:
            stack.faults([])
            proc.kill()
            api.stop()
        assert fired == [{"op": "SendEmail", "call": 1, "kind": "kill"}] and answer is None
        assert len(mail_to(stack, p["email"])) == 1, "SES accepted it before the worker died"
        # SQS delivers the unfinished message again.
        sqs.send_message(QueueUrl=queue_url(stack), MessageBody=msg["Body"])
    done = wait_job(firm, job["id"])
    assert len(mail_to(stack, p["email"])) == 1, "never a second email"
    # No SES event came from the dead run: it may not have gone out, so it counts as failed.
    assert (done["total"], done["sent"], done["failed"], done["missing_email"], done["pending"]) == (2, 0, 1, 1, 0), done


def test_a_throttled_send_is_retried_and_succeeds(stack, firm):
    c = firm.client("Throttled")
    p = firm.contact(c["id"], "Thea", "Ottle", unique_email("thea"))
    # Four refusals: the SDK's own three attempts all throttled, so the worker backs off and
    # tries again (whose first attempt is throttled once more).
    stack.faults([{"op": "SendEmail", "calls": [1, 2, 3, 4], "kind": "throttle"}])
    mark = stack.log_mark()
    try:
        job = start_job(firm, client_ids=[c["id"]]).json()
        done = wait_job(firm, job["id"])
        fired = stack.fired()
    finally:
        stack.faults([])
    assert [f["kind"] for f in fired] == ["throttle"] * 4
    assert "SES throttled an invite; backing off" in stack.logs_since(mark)
    assert (done["sent"], done["failed"]) == (1, 0), done
    assert len(mail_to(stack, p["email"])) == 1


def test_a_thousand_contacts_go_out_once_each_within_the_rate(stack, firm):
    t0 = time.time()
    clients = seed_invitees(stack, firm, clients=200, per_client=5)
    try:
        _thousand(stack, firm, clients, t0)
    finally:
        # The reminders job reads every open invite of the stage (GSI2): 1,000 of them would
        # make the reminder tests that run later send (and be throttled) for this firm too.
        table = stack.table()
        for c in clients:
            for k in c["contacts"]:
                table.update_item(Key={"PK": f"CLIENT#{c['id']}", "SK": f"CONTACT#{k['id']}"}, UpdateExpression="REMOVE GSI2PK, GSI2SK")


def _thousand(stack, firm, clients, t0):
    seeded = time.time() - t0
    emails = {k["email"] for c in clients for k in c["contacts"]}
    assert len(emails) == 1000
    mark = local_mailbox.messages(stack.proxy.url, after=0)
    n0 = len(mark)
    throttled0 = proxy_state(stack)["ses_throttled"]
    start = time.time()
    r = start_job(firm, client_ids=[c["id"] for c in clients], message="Our new portal")
    accepted = time.time() - start
    assert accepted < 29, "API Gateway would have ended the request"
    job = wait_job(firm, r.json()["id"], timeout=900, every=2)
    total = time.time() - start
    assert (job["total"], job["sent"], job["failed"], job["pending"]) == (1000, 1000, 0, 0), job
    sent = [m for m in local_mailbox.messages(stack.proxy.url, after=n0) if m["to"][0] in emails]
    per = Counter(m["to"][0] for m in sent)
    assert len(sent) == 1000 and set(per) == emails and max(per.values()) == 1, "everyone exactly once"
    times = sorted(datetime.fromisoformat(m["time"].replace("Z", "+00:00")).timestamp() for m in sent)
    span = times[-1] - times[0]
    window = max(sum(1 for t in times[i:i + 60] if t - times[i] < 1.0) for i in range(len(times)))
    rate = stack.proxy.ses_rate
    # SES's delivery events for the thousand emails land before the next test starts.
    settle_start = time.time()
    stack.proxy.settle(timeout=900)
    events = time.time() - settle_start
    print(f"\n1,000-contact job: seeded in {seeded:.1f}s, accepted in {accepted:.2f}s, done in {total:.1f}s; "
          f"sends {len(sent)} over {span:.1f}s = {len(sent) / span:.1f}/s (account rate {rate:.0f}/s), "
          f"most in any second {window}, throttled by the proxy {proxy_state(stack)['ses_throttled'] - throttled0}, "
          f"duplicates {sum(v - 1 for v in per.values())}; SES events delivered {events:.1f}s after", file=sys.stderr)
    assert window <= rate, "never more than the account's rate in any second"
    assert len(sent) / span <= rate
