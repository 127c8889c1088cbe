"""Time zones picked by their name in the reader's language (stored as IANA keys), wall-clock
times typed in the reader's digits, and the days of the week in the order the reader's week runs."""
from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from core.db import db


def test_a_hebrew_user_picks_a_zone_by_its_hebrew_name(app, client, login):
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    html = client.get("/profile").get_data(as_text=True)
    picker = html.split('name="timezone"', 1)[1].split("</select>", 1)[0]
    assert '<option value="Asia/Jerusalem">ירושלים — שעון ישראל</option>' in picker
    assert "אתונה — שעון מזרח אירופה" in picker  # the business's zone (Europe/Athens), named too
    assert ">Asia/Jerusalem" not in picker and "· Asia/" not in picker  # keys are values, not labels
    assert client.post("/profile/preferences", data={"ui_language": "he", "timezone": "Asia/Jerusalem",
                                                     "calendar": ""}).status_code == 302
    from core.auth.models import User

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one()
        assert user.timezone == "Asia/Jerusalem"
    assert 'selected value="Asia/Jerusalem"' in client.get("/profile").get_data(as_text=True)


def test_the_history_form_names_the_users_zone_as_the_profile_does(app, client, login):
    """"When" is typed in the user's zone; the hint under it names the zone, not only a city."""
    from core.customers.models import Customer

    with app.app_context():
        customer = Customer(name="Ρούλα Κ.")
        db.session.add(customer)
        db.session.commit()
        customer_id = customer.id
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    assert client.post("/profile/preferences", data={"ui_language": "he", "timezone": "Asia/Jerusalem",
                                                     "calendar": ""}).status_code == 302
    html = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "ירושלים — שעון ישראל" in html


@pytest.mark.parametrize("lang", ["en", "el", "lt", "fa", "he"])
def test_every_zone_has_its_own_label(app, lang):
    from core.l10n import timezone_choices

    with app.test_request_context(), force_locale(lang):
        choices = timezone_choices()
    labels = [label for _key, label in choices]
    assert len(labels) == len(set(labels)) > 300
    assert {"Europe/Athens", "Europe/Vilnius", "Asia/Tehran", "Asia/Jerusalem", "UTC"} <= {k for k, _l in choices}


def test_a_stored_old_zone_name_stays_selectable(app):
    """tzdata's list has one key per region; a key saved before (an alias) is still offered."""
    from core.l10n import timezone_choices

    with app.test_request_context(), force_locale("el"):
        assert "Asia/Calcutta" not in dict(timezone_choices())
        assert dict(timezone_choices("Asia/Calcutta"))["Asia/Calcutta"].endswith("(Asia/Calcutta)")
        assert "Mars/Olympus" not in dict(timezone_choices("Mars/Olympus"))


def test_wall_clock_times_in_the_readers_digits(app):
    from core.l10n import ParseError, input_clock, parse_clock

    with app.test_request_context():
        with force_locale("fa"):
            assert parse_clock("۰۸:۳۰") == time(8, 30)
            assert parse_clock("٠٨:٣٠") == time(8, 30)  # Arabic-Indic digits
            assert input_clock(time(16, 5)) == "۱۶:۰۵"
            with pytest.raises(ParseError) as err:
                parse_clock("۸")
            assert "۰۹:۳۰" in str(err.value)
        with force_locale("el"):
            assert parse_clock("9.15") == time(9, 15) and parse_clock(" 17:00 ") == time(17, 0)
            assert parse_clock("") is None
            with pytest.raises(ParseError):
                parse_clock("24:00")


@pytest.mark.parametrize("lang, first, last", [("el", (1, "Δευτέρα"), (7, "Κυριακή")),
                                                ("fa", (6, "شنبه"), (5, "جمعه")),
                                                ("he", (7, "יום ראשון"), (6, "יום שבת"))])
def test_the_week_starts_where_the_readers_week_starts(app, lang, first, last):
    from core.l10n import weekdays

    with app.test_request_context(), force_locale(lang):
        days = weekdays()
    assert days[0] == first and days[-1] == last and sorted(n for n, _name in days) == list(range(1, 8))
