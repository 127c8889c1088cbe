"""The demo step builds a plausible installed base with a visible lemon."""
import random

import sqlalchemy as sa


def test_demo_step(svc_app):
    from core.customers.service import create_customer
    from core.db import db
    from plugins.service import demo
    from plugins.service.models import Equipment, MaintenancePlan, ServiceRequest, Visit
    from plugins.service.reliability import model_figures

    with svc_app.app_context():
        customers = [create_customer({"name": f"Demo {n}"}).id for n in range(120)]
        db.session.commit()
        demo.load_demo(rng=random.Random(7), customers=customers)
        count = lambda m: db.session.execute(sa.select(sa.func.count(m.id))).scalar()  # noqa: E731
        owners = set(db.session.execute(sa.select(Equipment.customer_id)).scalars())
        assert 20 <= len(owners) <= 70
        assert count(ServiceRequest) > 20 and count(MaintenancePlan) >= 2 and count(Visit) > 0
        figures = [f for f in model_figures() if f.exposure_days > 365 * 10]
        rates = sorted(f.repairs_per_100_per_year for f in figures)
        assert rates[-1] > 2 * rates[0]  # the lemons stand out
        # Running again skips customers who already own equipment.
        before = count(Equipment)
        demo.load_demo(rng=random.Random(8), customers=sorted(owners))
        assert count(Equipment) == before
