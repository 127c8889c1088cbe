"""``rapport portal invite CUSTOMER_ID EMAIL``: invite a customer from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("portal")
def portal_group():
    """The customer portal."""


@portal_group.command("invite")
@click.argument("customer_id", type=int)
@click.argument("email", required=False)
@with_appcontext
def invite_command(customer_id: int, email: str | None):
    """Invite customer CUSTOMER_ID to the portal at EMAIL (one of their addresses; default the first)."""
    from core.customers.models import Customer
    from core.db import db
    from core.portal.accounts import PortalInputError, invite

    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise click.ClickException(f"no customer with id {customer_id}")
    try:
        account = invite(customer, email)
        db.session.commit()
    except PortalInputError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"invitation queued for {account.email} (customer {customer.id}, account {account.id})")
