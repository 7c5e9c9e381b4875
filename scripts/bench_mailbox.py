"""The local mailbox's read cost as mail piles up (issue 14): moto and the SES proxy only —
no Rust. Sends emails through the proxy with boto3's sesv2 client (each to its own address,
the size of a real invite) and times reading one recipient's mail after 1, 100, 1000 and
5000 emails sent.

    .venv/bin/python scripts/bench_mailbox.py [--counts 1,100,1000,5000] [--reads 20]

Prints figures, not pass/fail: the read should cost the same after 1 email or 5000.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import local_mailbox  # noqa: E402
import portal_local as pl  # noqa: E402

SENDER = "portal@bench.example"
BODY = "<p>" + "Your accountant invites you to the client portal. " * 60 + "</p>"


def send(ses, to: str) -> str:
    token = uuid.uuid4().hex * 4
    html = f'{BODY}<p><a href="http://127.0.0.1:9000/create-account#{token}">Create Account</a></p>'
    return ses.send_email(FromEmailAddress=SENDER, Destination={"ToAddresses": [to]},
                          Content={"Simple": {"Subject": {"Data": "Your client portal"},
                                              "Body": {"Html": {"Data": html}, "Text": {"Data": "Create your account"}}}})["MessageId"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="1,100,1000,5000", help="emails sent before each measurement (ascending)")
    ap.add_argument("--reads", type=int, default=20, help="reads timed at each point (median and max printed)")
    ap.add_argument("--threads", type=int, default=8, help="concurrent senders")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]

    run_dir = Path(tempfile.mkdtemp(prefix="portal-bench-mailbox-"))
    with pl.ses_behind_proxy(run_dir, SENDER) as (proxy, ses):
        probe = "probe@bench.example"
        print(f"moto and the SES proxy {proxy.url}; one-recipient read = GET {proxy.url}/__mailbox?to=<address>\n")
        print(f"{'emails sent':>12}{'read median ms':>16}{'read max ms':>13}{'mails of probe':>16}{'send time s':>13}")
        sent, probe_mails = 0, 0
        for target in counts:
            t0 = time.perf_counter()
            # the probe recipient gets one email per step; everyone else their own address
            send(ses, probe)
            sent, probe_mails = sent + 1, probe_mails + 1
            with cf.ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(lambda i: send(ses, f"r{i}@bench.example"), range(sent, target)))
            sent = max(sent, target)
            send_s = time.perf_counter() - t0
            times = []
            for _ in range(args.reads):
                t = time.perf_counter()
                got = local_mailbox.messages(proxy.url, to=probe)
                times.append(time.perf_counter() - t)
            assert len(got) == probe_mails and got[-1]["create_account_url"], got[-1:]
            assert proxy.mailbox.count() == sent
            print(f"{sent:>12}{statistics.median(times) * 1000:>16.2f}{max(times) * 1000:>13.2f}{len(got):>16}{send_s:>13.1f}", flush=True)
        t = time.perf_counter()
        everything = local_mailbox.messages(proxy.url, after=0)
        print(f"\nfor scale: the whole mailbox ({len(everything)} emails, ?after=0) reads in {(time.perf_counter() - t) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
