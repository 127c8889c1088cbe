"""The complaints list runs a fixed number of statements however many complaints, customers
and assignees it shows, and loads no assignee's roles (issue 17)."""
from __future__ import annotations

import pytest

from core.db import db
from core.testing import assert_queries_constant
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints")


def _add(app, make_user, n: int, start: int = 0) -> None:
    """``n`` open complaints, each with its own customer and its own assignee."""
    for i in range(start, start + n):
        make_user(f"agent{i}@example.com", roles=["Complaints agent"])
    with app.app_context():
        for i in range(start, start + n):
            row = td.complaint(td.customer(f"Πελάτης {i}", f"c{i}@example.com").id, f"Complaint {i}")
            row.assignee_id = td.user(f"agent{i}@example.com").id
        db.session.commit()


def test_the_team_list_has_a_fixed_query_count(app, client, login, make_user, query_counter):
    _add(app, make_user, 3)
    login()
    count = assert_queries_constant(query_counter, lambda: client.get("/complaints/?view=team"),
                                    lambda: _add(app, make_user, 27, start=3), limit=6)
    with query_counter() as log:
        page = client.get("/complaints/?view=team")
    assert "Complaint 29" in page.get_data(as_text=True)
    assert len(log) == count
    # Roles are read once: the signed-in user's, to check permissions; never the assignees'.
    assert len([s for s in log.statements if "core_user_role" in s]) == 1, log
