"""N simultaneous transitions of one complaint through a real threaded server: exactly one
wins (200), every other gets 409, and the step is recorded once."""
from __future__ import annotations

import http.client
import json
import threading
import urllib.parse

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import ADMIN_EMAIL
from plugins.complaints.tests import complaints_testdata as td

N = 8


def _post(server, path, token, body):
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.plugins("complaints")
@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_simultaneous_transitions_have_one_winner(app, live_server, action):
    from core.auth.models import ApiToken, User
    from core.history.models import Interaction

    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        tokens = [ApiToken.issue(admin, f"racer {i}")[1] for i in range(N)]
        complaint_id = td.complaint(td.customer().id).id
        cause_id = td.root_cause().id
        db.session.commit()
    body = {"action": action}
    if action == "resolve":
        body.update(resolution="Replaced", root_cause_id=cause_id)
    barrier, results = threading.Barrier(N), [None] * N

    def run(i):
        barrier.wait()
        try:
            results[i] = _post(live_server, f"/api/v1/complaints/{complaint_id}/transition", tokens[i], body)
        except Exception as exc:  # a crashed request must fail the test, not hang it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results, key=str) == sorted([200] + [409] * (N - 1), key=str), results
    with app.app_context():
        steps = db.session.execute(sa.select(sa.func.count()).select_from(Interaction)
                                   .where(Interaction.kind == f"complaints.{action}")).scalar()
        assert steps == 1
