"""The Hebrew calendar as a display option: the Hebrew date beside the Gregorian one (pyluach),
chosen per user; dates are still typed and stored Gregorian."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from core.db import db


def _as_admin(app):
    from flask_login import login_user

    from core.auth.models import User

    login_user(db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one())


def test_a_hebrew_user_reads_the_hebrew_date_beside_the_gregorian_one(app, client, login):
    from core.l10n import format_date, format_datetime, input_date, parse_date

    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    r = client.post("/profile/preferences", data={"ui_language": "he", "timezone": "Asia/Jerusalem",
                                                  "calendar": "hebrew"})
    assert r.status_code == 302
    with app.test_request_context(headers={"Accept-Language": "he"}):
        _as_admin(app)
        assert format_date(date(2026, 3, 5)) == "5 במרץ 2026 (ט״ז אדר תשפ״ו)"  # 16 Adar 5786
        assert format_datetime(datetime(2026, 9, 12, 9, 0)).startswith("12 בספט׳ 2026 (א׳ תשרי תשפ״ז)")  # Rosh Hashana
        assert input_date(date(2026, 3, 5)) == "5.3.2026"  # typed Gregorian, as shown first
        assert parse_date("5.3.2026") == date(2026, 3, 5)
    page = client.get("/profile").get_data(as_text=True)
    assert 'selected value="hebrew"' in page


def test_an_english_reader_gets_the_hebrew_date_transliterated(app, client, login):
    from core.l10n import format_date

    login()
    client.post("/profile/preferences", data={"ui_language": "en", "timezone": "", "calendar": "hebrew"})
    with app.test_request_context():
        _as_admin(app)
        assert format_date(date(2026, 3, 5)) == "Mar 5, 2026 (16 Adar 5786)"
        assert format_date(date(2026, 3, 5), "short") == "3/5/26"  # tables keep the short Gregorian form
