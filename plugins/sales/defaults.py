"""What a business gets when it enables sales: pipeline stages and lost reasons to
start selling at once (managers edit, rename or retire them under Sales → Settings).

Names are written in the language of whoever enables the plugin (the admin's page
language), or the default language when it is enabled from the command line; they are
ordinary data from then on, like stages a manager typed.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db
from plugins.sales.models import LostReason, Stage


def _stage_rows():
    return [
        (_("Lead"), 10, 10, False, False), (_("Qualified"), 20, 25, False, False),
        (_("Proposal"), 30, 50, False, False), (_("Negotiation"), 40, 75, False, False),
        (_("Won"), 90, 100, True, False), (_("Lost"), 95, 0, False, True),
    ]


def _reason_names():
    return [_("Price too high"), _("Chose a competitor"), _("No budget"), _("Bad timing"), _("No response")]


def create_defaults() -> bool:
    """Add the default stages and lost reasons unless the business already has stages.

    Returns whether anything was added; the caller commits.
    """
    if db.session.execute(sa.select(Stage.id).limit(1)).first() is not None:
        return False
    if has_request_context():
        _add_rows()
    else:
        with current_app.test_request_context(), force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
            _add_rows()
    return True


def _add_rows() -> None:
    for name, position, probability, won, lost in _stage_rows():
        db.session.add(Stage(name=name, position=position, probability=probability, is_won=won, is_lost=lost))
    existing = set(db.session.execute(sa.select(LostReason.name)).scalars())
    for name in _reason_names():
        if name not in existing:
            db.session.add(LostReason(name=name))
    db.session.flush()
