"""A minimal Lambda Runtime API, to run one function binary on its own, outside `cargo lambda
watch`: for the benchmarks (init time = process start until the function first asks for an
event; peak RSS) and for tests that kill a function mid-request without taking the shared
local stack down with it.

It implements what `lambda_runtime` uses: `GET /2018-06-01/runtime/invocation/next`
(blocks until an event is queued), `POST …/invocation/{id}/response`, `…/{id}/error` and
`…/init/error`. Not part of the deployed system.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    def __init__(self):
        self.events: queue.Queue = queue.Queue()
        self.results: dict[str, tuple[str, object]] = {}
        self.done = threading.Condition()
        self.first_next_at: float | None = None
        self.asked = threading.Event()  # set at the first event request (waits without polling)
        self.init_error: object | None = None
        self.server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "RuntimeApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self.reply(404)
                if api.first_next_at is None:
                    api.first_next_at = time.perf_counter()
                    api.asked.set()
                request_id, event = api.events.get()
                self.reply(200, json.dumps(event).encode(), {
                    "lambda-runtime-aws-request-id": request_id,
                    "lambda-runtime-deadline-ms": str(int(time.time() * 1000) + 300_000),
                    "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:local",
                    "lambda-runtime-trace-id": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
                })

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(body) if body else None
                except ValueError:
                    payload = body.decode(errors="replace")
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts[:2] == ["init", "error"]:
                    api.init_error = payload
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    with api.done:
                        api.results[parts[1]] = (parts[2], payload)
                        api.done.notify_all()
                else:
                    return self.reply(404)
                self.reply(202)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def invoke(self, event: object, timeout: float = 120, proc: subprocess.Popen | None = None) -> tuple[str, object] | None:
        """Queue one event and wait for its answer: ("response" | "error", payload), or None
        if none came within `timeout` or — given the function's process — once that process
        has exited without answering (the function died, say)."""
        request_id = str(uuid.uuid4())
        self.events.put((request_id, event))
        deadline = time.monotonic() + timeout
        with self.done:
            while request_id not in self.results:
                left = deadline - time.monotonic()
                if left <= 0 or (proc is not None and proc.poll() is not None):
                    return None
                self.done.wait(min(left, 0.1) if proc is not None else left)
            return self.results.pop(request_id)

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def lambda_env(function: str, api: RuntimeApi, env: dict[str, str]) -> dict[str, str]:
    """What Lambda sets for a function process, plus the function's own environment. The
    access key is the function's own, as under `cargo lambda watch` (scripts/iam_local.py)."""
    import iam_local
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **env,
        "AWS_ACCESS_KEY_ID": iam_local.function_key(function),
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
    }


def spawn(binary: Path, function: str, api: RuntimeApi, env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    out = open(log, "ab") if log else subprocess.DEVNULL
    return subprocess.Popen([str(binary)], env=lambda_env(function, api, env), stdout=out, stderr=subprocess.STDOUT)


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of an env file written by `portal_local.write_env` (quoted values unquoted)."""
    def value(v: str) -> str:
        return v[1:-1] if len(v) >= 2 and v[0] == v[-1] == "'" else v
    return {k: value(v) for k, v in (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)}


def http_event(method: str, path: str, route: str, body: object | None = None, headers: dict[str, str] | None = None,
               path_parameters: dict[str, str] | None = None) -> dict:
    """An API Gateway HTTP API (payload 2.0) event, as the deployed API sends it."""
    now = time.time()
    hdrs = {"content-type": "application/json", "user-agent": "runtime-api/1.0", **(headers or {})}
    return {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": hdrs,
        "pathParameters": path_parameters or {},
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "127.0.0.1", "domainPrefix": "local",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": hdrs["user-agent"]},
            "requestId": str(uuid.uuid4()), "routeKey": f"{method} {route}", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }
