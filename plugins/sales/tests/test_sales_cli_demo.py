"""The default roles through the CLI, and the demo data loader (small, through its CLI)."""
import pytest
import sqlalchemy as sa

from core.db import db

pytestmark = pytest.mark.plugins("sales")


def test_create_salesperson_from_cli(app, runner):
    r = runner.invoke(args=["users", "create", "sam@example.com", "--password", "a long enough password",
                            "--role", "Salesperson"])
    assert r.exit_code == 0, r.output
    from core.auth.models import User

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == "sam@example.com")).scalar_one()
        assert user.can("sales.user") and not user.can("sales.manager")


def test_demo_loader_confirms_orders_and_builds_rhythms(app, runner):
    from core.customers.service import create_customer
    from plugins.sales import stats
    from plugins.sales.models import Opportunity, Order, Stage, Target

    with app.app_context():
        ids = [create_customer({"name": f"Customer {n}"}).id for n in range(30)]
        db.session.commit()
    r = runner.invoke(args=["sales", "demo", "--orders", "120", "--seed", "7"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        count = lambda stmt: db.session.execute(stmt).scalar()  # noqa: E731
        assert count(sa.select(sa.func.count()).select_from(Stage)) == 6
        assert count(sa.select(sa.func.count()).select_from(Opportunity)) == 300
        confirmed = count(sa.select(sa.func.count()).select_from(Order).where(Order.state == "confirmed"))
        assert confirmed >= 120
        assert count(sa.select(sa.func.count()).select_from(Target)) > 0
        assert count(sa.select(sa.func.count(Opportunity.id)).where(Opportunity.status == "open")) > 50
        from core.history.models import Interaction

        logged = count(sa.select(sa.func.count()).select_from(Interaction)
                       .where(Interaction.kind == "sales.order_confirmed"))
        assert logged == confirmed
        repeat = [h for h in (stats.purchase_history(c) for c in ids) if h.orders > 2]
        assert repeat and all(h.next_due is not None for h in repeat)
