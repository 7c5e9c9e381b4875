"""Concurrent requests to one function, as Lambda serves them: each on an instance of its own.

`cargo lambda watch` runs one instance per function (see portal_local.start_api), which
takes its requests one at a time — so threads firing at the shared stack would never
overlap inside the function, and a race could not show. `instances` starts `n` processes
of a function's binary behind one Runtime API of ours (scripts/runtime_api.py), with the
stack's environment: events queued at once are taken by whichever instance is free, in
parallel, against the same emulator and table."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import portal_local as pl
import runtime_api


class Instances:
    def __init__(self, api: runtime_api.RuntimeApi, procs: list):
        self.api, self.procs = api, procs

    def call(self, method: str, path: str, route: str, body=None, path_parameters: dict | None = None) -> tuple[int, dict]:
        """One API Gateway request; (status, JSON body)."""
        answer = self.api.invoke(runtime_api.http_event(method, path, route, body, path_parameters=path_parameters), timeout=120)
        assert answer is not None, "no instance answered"
        kind, payload = answer
        assert kind == "response", payload
        return payload["statusCode"], json.loads(payload.get("body") or "null")

    def all_at_once(self, requests: list[tuple]) -> list[tuple[int, dict]]:
        """Each `(method, path, route, body, path_parameters)` from its own thread, together."""
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(lambda r: self.call(*r), requests))


@contextmanager
def instances(stack, function: str, n: int):
    api = runtime_api.RuntimeApi().start()
    env = runtime_api.read_env_file(stack.run_dir / "functions.env")
    binary = pl.target_dir() / "debug" / function
    procs = [runtime_api.spawn(binary, function, api, env, stack.run_dir / f"{function}-scaled.log") for _ in range(n)]
    try:
        yield Instances(api, procs)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        api.stop()
