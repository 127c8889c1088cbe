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


@pytest.fixture
def phoned(app, people):
    """Two more customers with phones; a landline two of them share."""
    with app.app_context():
        people["nikos"] = customer("Νίκος Οικονόμου", "nikos@example.gr", phone="+30 697 123 4567").id
        people["sara"] = customer("سارا احمدی", phone="+30 210 555 0101").id
        people["sara2"] = customer("Σάρα Αχμαντί", phone="210 555 0101").id
        db.session.commit()
    return people


def test_one_list_for_the_whole_file_and_customers_by_phone_email_or_number(app, tmp_path, phoned):
    from plugins.marketing.models import Segment

    with app.app_context():
        vip = db.session.execute(sa.select(Segment.id).where(Segment.name == "VIP")).scalar_one()
    # Lithuanian header; the phone in two spellings of the same number (the second is a duplicate);
    # Dana is already in VIP; the shared landline names nobody.
    path = _file(tmp_path, [["6971234567"], ["K-77"], ["dana@example.co.il"], ["+30 697 123 4567"],
                            ["210 555 0101"]], header=("Telefonas",))
    result = app.test_cli_runner().invoke(args=["import", "segment_members", path, "--value", f"segment=#{vip}",
                                                "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert "Created: 2" in result.output and "skipped as already saved: 1" in result.output
    assert _members(app) == [("VIP", "static", phoned[n]) for n in ("ruta", "dana", "nikos")]
    with open(result.output.split("reason for each: ")[1].strip(), encoding="utf-8-sig") as fh:
        reasons = {int(r[0]): r[1] for r in list(csv.reader(fh))[1:]}
    assert sorted(reasons) == [5, 6]
    assert "line 2" in reasons[5] and "Several customers have the phone" in reasons[6]


def test_a_list_that_is_not_a_choice_is_refused_in_the_terminal(app, tmp_path, people):
    from plugins.marketing.models import Segment

    with app.app_context():
        rules = db.session.execute(sa.select(Segment.id).where(Segment.name == "Greeks")).scalar_one()
    path = _file(tmp_path, [["eleni@example.gr"]], header=("לקוח",))
    result = app.test_cli_runner().invoke(args=["import", "segment_members", path, "--value", f"segment=#{rules}"])
    assert result.exit_code != 0 and "is not a choice for segment" in result.output
    result = app.test_cli_runner().invoke(args=["import", "segment_members", path])  # no list at all
    assert result.exit_code != 0 and "Static list" in result.output
    assert _members(app) == [("VIP", "static", people["dana"])]


def test_pages_choose_the_list_preview_and_import(app, client, run_jobs, phoned):
    import io
    import re

    from core.testing import login_client
    from plugins.marketing.models import Segment

    with app.app_context():
        ids = dict(db.session.execute(sa.select(Segment.name, Segment.id)).all())
    login_client(client)
    out = io.StringIO()
    csv.writer(out).writerows([["ایمیل", "یادداشت"], ["dana@example.co.il", "x"], ["ELENI@example.gr", "y"],
                               ["nobody@example.com", "z"]])
    response = client.post("/transfer/import/marketing.segment_members",
                           data={"file": (io.BytesIO(out.getvalue().encode()), "fa.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert re.search(r'id="col-0" name="col-0">.*?<option value="customer" selected>', page, re.S)  # Persian header
    select = re.search(r'<select[^>]*name="fixed-segment".*?</select>', page, re.S).group(0)
    assert f'value="#{ids["VIP"]}"' in select and f'value="#{ids["Greeks"]}"' not in select  # static lists only
    form = {"col-0": "customer", "col-1": "", "encoding": "utf-8", "delimiter": ",", "language": "fa",
            "on_duplicate": "skip", "skip_bad_rows": "y"}
    assert client.post(mapping_url, data={**form, "fixed-segment": f"#{ids['Greeks']}"}).status_code == 400
    response = client.post(mapping_url, data=form)  # neither a column nor a chosen list
    assert response.status_code == 422 and "Static list" in response.get_data(as_text=True)
    response = client.post(mapping_url, data={**form, "fixed-segment": f"#{ids['VIP']}"})
    assert response.status_code == 302, response.get_data(as_text=True)
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "for every row" in preview and "<bdi>VIP</bdi>" in preview
    assert "Already saved as “VIP · dana@example.co.il”" in preview and "nobody@example.com" in preview
    assert _members(app) == [("VIP", "static", phoned["dana"])]  # the preview saves nothing
    import_id = int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))
    assert client.post(f"/transfer/imports/{import_id}/start").status_code == 302
    assert run_jobs() >= 1
    detail = client.get(f"/transfer/imports/{import_id}").get_data(as_text=True)
    assert "Created: 1" in detail and "skipped as already saved: 1" in detail
    assert _members(app) == [("VIP", "static", phoned["eleni"]), ("VIP", "static", phoned["dana"])]
