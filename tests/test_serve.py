"""``rapport serve --processes 2``: two web processes behind one port, each answering pages
and the API, and a process that dies is replaced (issue 17: the server uses every core).

A real server in a child process (tests/processes.py), on the test app's database.
"""
from __future__ import annotations

import os
import re
import signal
import time

import pytest

from processes import Http, Processes, rapport_env, wait_until


def _children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found.update(int(p) for p in f.read().split())
    return found


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads the process tree from /proc (Linux)")
def test_serve_runs_two_processes_that_answer_pages(app, tmp_path, token_for):
    auth = token_for()  # {"Authorization": "Bearer …"}
    procs = Processes(tmp_path)
    env = rapport_env(app, tmp_path)
    try:
        # Port 0: the system picks a free port when gunicorn binds (read from its log), so no
        # other program can take it in between, however long the start takes on a busy machine.
        server = procs.start(["serve", "--port", "0", "--processes", "2", "--threads", "2"], env, "web")
        listening = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
        port = wait_until(lambda: listening.search(procs.full_logs()), timeout=600, what="rapport serve",
                          logs=procs.logs).group(1)
        web = Http(f"http://127.0.0.1:{port}")
        wait_until(web.up, timeout=300, what="pages", logs=procs.logs)
        workers = wait_until(lambda: _children(server.pid) if len(_children(server.pid)) == 2 else None,
                             timeout=300, what="two web processes", logs=procs.logs)
        assert "with 2 processes" in procs.full_logs()

        # Pages and the API answer, on a connection each (either process may take it).
        for _ in range(6):
            status, text = web.request("GET", "/login")
            assert status == 200 and 'name="csrf_token"' in text
            status, body = web.json("GET", "/api/v1/customers", headers=auth)
            assert status == 200 and "items" in body, body

        # One process dies: the server replaces it and keeps answering.
        victim = sorted(workers)[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: victim not in _children(server.pid) and len(_children(server.pid)) == 2,
                   timeout=300, what="a replacement web process", logs=procs.logs)
        wait_until(web.up, timeout=300, what="pages after the replacement", logs=procs.logs)
        assert server.poll() is None

        # SIGTERM stops the server and its processes.
        survivors = _children(server.pid)
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(os.path.exists(f"/proc/{p}") for p in survivors) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in survivors if os.path.exists(f"/proc/{p}")]
    finally:
        procs.stop_all()
