"""An API request reads its token and the token's user once (issue 17): before, a request
looked both up, then again after the once-a-minute "last used" write had expired them."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.plugins()


def _reads(log, table: str) -> list[str]:
    return [s for s in log.statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s]


def test_an_api_request_reads_the_token_and_its_user_once(app, client, token_for, query_counter):
    auth = token_for()
    for touch in (True, False):  # the first request writes last_used_at; the next, a minute apart, does not
        with query_counter() as log:
            r = client.get("/api/v1/customers", headers=auth)
        assert r.status_code == 200, r.get_json()
        assert len(_reads(log, "core_api_token")) == 1, log
        assert len([s for s in log.statements if "core_user_role" in s]) == 1, log  # the user's roles, once
        assert len(log) == 4 + touch, log  # plugins, token + user, roles, (last used), the page of customers
        assert bool([s for s in log.statements if s.lstrip().startswith("UPDATE core_api_token")]) is touch, log
