"""Service in the customer portal: equipment with serials and warranties, the service history,
"request service / claim under warranty" with photos (checked, served only to their owner and
staff), the coverage decision shown once staff decide, and every service portal URL refusing
another customer's ids."""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from core.db import db
from core.testing import portal_account, portal_login, portal_probe

from .conftest import TECH_EMAIL, login, make_equipment
from core.l10n import local_today


def _png(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


def _setup(app, ids):
    from core.customers.models import Customer
    from core.customers.service import update_customer
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    with app.app_context():
        for key, email in (("customer", "eleni@example.com"), ("other", "jonas@example.com")):
            update_customer(db.session.get(Customer, ids[key]), {"emails": [email]})
        db.session.commit()
    mine = make_equipment(app, ids["customer"], ids["washer"], serial="SN-ELENI-1")
    theirs = make_equipment(app, ids["other"], ids["washer"], serial="SN-JONAS-1")
    with app.app_context():
        for eq_id in (mine, theirs):
            svc.add_warranty(db.session.get(Equipment, eq_id), start_date=local_today() - timedelta(days=30), months=24)
        db.session.commit()
    return mine, theirs


def _claim(client, eq_id, files=None, problem="Το πλυντήριο δεν στύβει", claim=True):
    data = {"problem": problem}
    if claim:
        data["warranty_claim"] = "y"
    if files:
        data["photos"] = files
    return client.post(f"/portal/service/equipment/{eq_id}/request", data=data, content_type="multipart/form-data")


def test_equipment_and_warranties_in_the_portal(svc_app, svc_client, ids):
    mine, _theirs = _setup(svc_app, ids)
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    page = svc_client.get("/portal/service/equipment").get_data(as_text=True)
    assert "SN-ELENI-1" in page and "SN-JONAS-1" not in page
    end = (local_today() - timedelta(days=30))
    assert str(end.year + 2) in page  # the end date, 24 months on
    detail = svc_client.get(f"/portal/service/equipment/{mine}").get_data(as_text=True)
    assert "Warranties" in detail and "Request service or claim under warranty" in detail
    assert "Your equipment" in svc_client.get("/portal/").get_data(as_text=True)


def test_warranty_claim_with_photos_and_the_coverage_decision(svc_app, svc_client, ids):
    from plugins.service.models import RequestPhoto, ServiceRequest

    mine, _theirs = _setup(svc_app, ids)
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    answer = _claim(svc_client, mine, [(io.BytesIO(_png()), "drum.png"), (io.BytesIO(_png((0, 0, 200))), "x.png")])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with svc_app.app_context():
        req = db.session.execute(sa.select(ServiceRequest)).scalar_one()
        assert req.channel == "portal" and req.warranty_claim and req.customer_id == ids["customer"]
        photo_ids = db.session.execute(sa.select(RequestPhoto.id).order_by(RequestPhoto.id)).scalars().all()
        request_id = req.id
    assert len(photo_ids) == 2
    page = svc_client.get(f"/portal/service/requests/{request_id}").get_data(as_text=True)
    assert "the coverage decision follows" in page
    photo = svc_client.get(f"/portal/service/photos/{photo_ids[0]}")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == _png()
    # Staff see the request and its photos, and decide (diagnose: covered by the active warranty).
    staff = svc_app.test_client()
    login(staff)
    staff_page = staff.get(f"/service/requests/{request_id}").get_data(as_text=True)
    assert "The customer claims under warranty" in staff_page
    assert staff.get(f"/service/requests/{request_id}/photos/{photo_ids[1]}").status_code == 200
    from plugins.service import service as svc

    with svc_app.app_context():
        svc.update_request(db.session.get(ServiceRequest, request_id), {"diagnosis": "Worn belt"})
        db.session.commit()
    assert staff.post(f"/service/requests/{request_id}/transition", data={"to": "diagnosed"}).status_code == 302
    page = svc_client.get(f"/portal/service/requests/{request_id}").get_data(as_text=True)
    assert 'data-decision="covered"' in page and "Worn belt" in page
    # History on the portal channel, and a follow-up for staff.
    from core.history.models import Activity, Interaction

    with svc_app.app_context():
        kinds = db.session.execute(sa.select(Interaction.kind, Interaction.channel)
                                   .where(Interaction.customer_id == ids["customer"])).all()
        assert ("service.portal_request", "portal") in [tuple(k) for k in kinds]
        assert db.session.execute(sa.select(Activity.summary).where(Activity.customer_id == ids["customer"])
                                  ).scalars().first().startswith("Warranty claim")


def test_uploads_are_checked_for_type_and_size(svc_app, svc_client, ids):
    from plugins.service.models import ServiceRequest

    mine, _theirs = _setup(svc_app, ids)
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    fake = _claim(svc_client, mine, [(io.BytesIO(b"<script>alert(1)</script>"), "photo.png")])
    assert fake.status_code == 422 and "is not a JPEG, PNG or WebP photo" in fake.get_data(as_text=True)
    svc_app.config["SERVICE_PHOTO_MAX_BYTES"] = 100
    big = _claim(svc_client, mine, [(io.BytesIO(_png() + b"\0" * 200), "big.png")])
    assert big.status_code == 422 and "larger than" in big.get_data(as_text=True)
    svc_app.config["SERVICE_PHOTO_MAX_BYTES"] = None
    too_many = _claim(svc_client, mine, [(io.BytesIO(_png()), f"{n}.png") for n in range(6)])
    assert too_many.status_code == 422
    with svc_app.app_context():  # nothing was kept half-way
        assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceRequest)).scalar() == 0


def test_photos_are_served_only_to_their_owner_and_staff(svc_app, svc_client, ids):
    from plugins.service.models import RequestPhoto

    mine, theirs = _setup(svc_app, ids)
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    _claim(svc_client, mine, [(io.BytesIO(_png()), "drum.png")])
    with svc_app.app_context():
        photo_id = db.session.execute(sa.select(RequestPhoto.id)).scalar_one()
    other = svc_app.test_client()
    portal_login(other, portal_account(svc_app, ids["other"]))
    assert other.get(f"/portal/service/photos/{photo_id}").status_code == 404
    assert svc_app.test_client().get(f"/portal/service/photos/{photo_id}").status_code == 302  # anonymous: login
    clerk = svc_app.test_client()
    from core.auth.models import Role, User
    from core.testing import PASSWORD

    with svc_app.app_context():
        role = Role(name="Clerk", permissions=["customers.view"])
        user = User(email="clerk@example.com", roles=[role])
        user.set_password(PASSWORD)
        db.session.add_all([role, user])
        db.session.commit()
    login(clerk, "clerk@example.com")
    assert clerk.get(f"/service/requests/1/photos/{photo_id}").status_code == 403
    tech = svc_app.test_client()
    login(tech, TECH_EMAIL)  # a technician sees only requests assigned to them (record rule)
    assert tech.get(f"/service/requests/1/photos/{photo_id}").status_code == 404


def test_every_service_portal_url_refuses_another_customers_ids(svc_app, svc_client, ids):
    mine, theirs = _setup(svc_app, ids)
    other = svc_app.test_client()
    portal_login(other, portal_account(svc_app, ids["other"]))
    assert _claim(other, theirs, [(io.BytesIO(_png()), "theirs.png")]).status_code == 302
    make_equipment(svc_app, ids["other"], ids["dryer"], serial="SN-JONAS-2")
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    _claim(svc_client, mine, claim=False)
    assert portal_probe(svc_client, svc_app, ids["customer"], ids["other"]) == []


def test_erasure_removes_the_customers_photos_and_their_files(svc_app, svc_client, ids):
    import os

    from core.customers.deletion import erase_customer
    from core.customers.models import Customer
    from plugins.service.models import RequestPhoto
    from plugins.service.photos import stored_path

    mine, _theirs = _setup(svc_app, ids)
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    _claim(svc_client, mine, [(io.BytesIO(_png((9, 9, 9))), "home.png")])
    with svc_app.app_context():
        digest = db.session.execute(sa.select(RequestPhoto.sha256)).scalar_one()
        path = stored_path(digest)
        assert os.path.exists(path)
        erase_customer(db.session.get(Customer, ids["customer"]))
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(RequestPhoto)).scalar() == 0
    from core.jobs.queue import queue

    queue(svc_app).drain()  # the background call a worker makes after the commit
    assert not os.path.exists(path)


def _coverage_mails(app, customer_id):
    from core.messaging.models import OutboxMessage

    with app.app_context():
        return [(m.language, m.subject, m.body_text) for m in db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.customer_id == customer_id,
                                           OutboxMessage.template_key == "portal.coverage_decided")
            .order_by(OutboxMessage.id)).scalars()]


def test_the_coverage_decision_is_emailed_to_the_customer_in_greek(svc_app, svc_client, ids):
    from core.customers.models import Customer
    from core.customers.service import update_customer
    from plugins.service import service as svc
    from plugins.service.models import ServiceRequest

    mine, _theirs = _setup(svc_app, ids)
    with svc_app.app_context():
        update_customer(db.session.get(Customer, ids["customer"]), {"preferred_language": "el"})
        db.session.commit()
    portal_login(svc_client, portal_account(svc_app, ids["customer"]))
    assert _claim(svc_client, mine).status_code == 302
    with svc_app.app_context():
        req = db.session.execute(sa.select(ServiceRequest)).scalar_one()
        request_id, number = req.id, req.number
    assert _coverage_mails(svc_app, ids["customer"]) == []  # nothing decided yet
    staff = svc_app.test_client()
    login(staff)
    with svc_app.app_context():
        svc.update_request(db.session.get(ServiceRequest, request_id), {"diagnosis": "Worn belt"})
        db.session.commit()
    assert staff.post(f"/service/requests/{request_id}/transition", data={"to": "diagnosed"}).status_code == 302
    [(language, subject, body)] = _coverage_mails(svc_app, ids["customer"])
    assert language == "el" and subject == f"Το αίτημά σας {number}: καλύπτεται"
    assert f"/portal/service/requests/{request_id}" in body and "Κάλυψη της επισκευής: καλύπτεται." in body
    # Staff change their mind: the customer is told again.
    with svc_app.app_context():
        svc.override_coverage(db.session.get(ServiceRequest, request_id), "billable", "Water damage", user_id=None)
        db.session.commit()
    mails = _coverage_mails(svc_app, ids["customer"])
    assert len(mails) == 2 and mails[1][1] == f"Το αίτημά σας {number}: χρεώνεται"


def test_requests_staff_took_by_phone_send_no_portal_email(svc_app, ids):
    from plugins.service import service as svc
    from plugins.service.models import ServiceRequest

    mine, _theirs = _setup(svc_app, ids)
    portal_account(svc_app, ids["customer"])
    with svc_app.app_context():
        req = svc.open_request(equipment_id=mine, problem="Noise", channel="phone")
        req.diagnosis = "Loose screw"
        svc.transition(req, "diagnosed")
        db.session.commit()
    assert _coverage_mails(svc_app, ids["customer"]) == []
