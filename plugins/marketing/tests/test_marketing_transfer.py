"""Static lists from a file through the core's importer (``rapport import segment_members``):
customers by email, other-system number, ``#id`` or a bare id; lists created when missing,
members added once; rule segments and unknown customers refused with the reason."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from core.db import db
from marketing_testdata import customer

pytestmark = pytest.mark.plugins("marketing")


def _file(tmp_path, rows, header=("Email", "Λίστα"), name="list.csv"):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def _members(app):
    from plugins.marketing.models import Segment, SegmentMember

    with app.app_context():
        rows = db.session.execute(sa.select(Segment.name, Segment.kind, SegmentMember.customer_id)
                                  .join(SegmentMember, SegmentMember.segment_id == Segment.id)
                                  .order_by(Segment.name, SegmentMember.customer_id)).all()
        return [tuple(r) for r in rows]


@pytest.fixture
def people(app):
    from plugins.marketing.models import Segment, SegmentMember

    with app.app_context():
        ids = {"eleni": customer("Ελένη Παππά", "eleni@example.gr").id,
               "ruta": customer("Rūta Kazlauskienė", "ruta@example.lt", external_ref="K-77").id,
               "dana": customer("דנה כהן", "dana@example.co.il").id}
        vip = Segment(name="VIP", kind="static")
        rules = Segment(name="Greeks", kind="rules", rules={"op": "and", "items": []})
        db.session.add_all([vip, rules])
        db.session.flush()
        db.session.add(SegmentMember(segment_id=vip.id, customer_id=ids["dana"]))
        db.session.commit()
    return ids


def test_members_by_email_number_and_id_into_new_and_existing_lists(app, tmp_path, people):
    path = _file(tmp_path, [["ELENI@example.gr", "VIP"], ["K-77", "VIP"], [f"#{people['dana']}", "VIP"],
                            [str(people["dana"]), "Χριστούγεννα 2026"], ["eleni@example.gr", "Χριστούγεννα 2026"]])
    result = app.test_cli_runner().invoke(args=["import", "segment_members", path])
    assert result.exit_code == 0, result.output
    assert "Created: 4" in result.output and "skipped as already saved: 1" in result.output  # Dana was in VIP
    assert _members(app) == [
        ("VIP", "static", people["eleni"]), ("VIP", "static", people["ruta"]), ("VIP", "static", people["dana"]),
        ("Χριστούγεννα 2026", "static", people["eleni"]), ("Χριστούγεννα 2026", "static", people["dana"])]
    again = app.test_cli_runner().invoke(args=["import", "marketing.segment_members", path, "--on-duplicate",
                                               "create"])
    assert "Created: 0" in again.output  # membership is once, whatever "on duplicate" says
    assert len(_members(app)) == 5


def test_bad_rows_say_why_and_all_or_nothing_saves_nothing(app, tmp_path, people):
    path = _file(tmp_path, [["eleni@example.gr", "VIP"], ["nobody@example.com", "VIP"], ["ruta@example.lt", "Greeks"],
                            ["ruta@example.lt", ""], ["eleni@example.gr", "VIP"]])
    before = _members(app)
    result = app.test_cli_runner().invoke(args=["import", "segment_members", path])
    assert result.exit_code != 0 and _members(app) == before
    with open(result.output.split("reason for each: ")[1].strip(), encoding="utf-8-sig") as fh:
        reasons = {int(r[0]): r[1] for r in list(csv.reader(fh))[1:]}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "nobody@example.com" in reasons[3] and "not a static list" in reasons[4]
    assert reasons[5] and "line 2" in reasons[6]  # no list named; the same member twice names the first line
    result = app.test_cli_runner().invoke(args=["import", "segment_members", path, "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert _members(app) == sorted(before + [("VIP", "static", people["eleni"])], key=lambda r: (r[0], r[2]))
