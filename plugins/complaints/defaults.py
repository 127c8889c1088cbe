"""What enabling complaints sets up: categories, severities, root causes, SLA targets,
the working calendar, and the acknowledgement, rating and canned-reply templates in
the five languages. Nothing an admin already has is overwritten.

Default rows carry a ``code``; while their name is the default English one it is shown
in the reader's language (:func:`display_name`); once an admin renames it, as typed.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.db import db
from plugins.complaints.models import Category, RootCause, Settings, Severity, SlaPolicy


def N_(text: str) -> str:
    return text


CATEGORIES = {"product": N_("Product quality"), "delivery": N_("Delivery"), "billing": N_("Billing"),
              "service": N_("Service and repairs"), "staff": N_("Staff behaviour"), "other": N_("Other")}
SEVERITIES = {"low": (1, N_("Low")), "normal": (2, N_("Normal")), "high": (3, N_("High")),
              "critical": (4, N_("Critical"))}
ROOT_CAUSES = {"defect": N_("Product defect"), "process": N_("Process failure"), "human": N_("Human error"),
               "supplier": N_("Supplier"), "communication": N_("Communication"),
               "unfounded": N_("Not founded")}
# business hours: (first response, resolution) per severity
TARGETS = {"low": (16, 80), "normal": (8, 40), "high": (4, 16), "critical": (1, 8)}

LABELS = {**CATEGORIES, **{k: v[1] for k, v in SEVERITIES.items()}, **ROOT_CAUSES}


def display_name(row) -> str:
    """A default's name in the reader's language, an admin's own name as typed."""
    if row is None:
        return ""
    default = LABELS.get(row.code or "")
    return _(default) if default and row.name == default else row.name


def create_defaults() -> None:
    if db.session.execute(sa.select(Category.id).limit(1)).scalar() is None:
        for position, (code, name) in enumerate(CATEGORIES.items()):
            db.session.add(Category(code=code, name=name, position=position))
    if db.session.execute(sa.select(Severity.id).limit(1)).scalar() is None:
        for code, (rank, name) in SEVERITIES.items():
            db.session.add(Severity(code=code, name=name, rank=rank))
    if db.session.execute(sa.select(RootCause.id).limit(1)).scalar() is None:
        for code, name in ROOT_CAUSES.items():
            db.session.add(RootCause(code=code, name=name))
    db.session.flush()
    if db.session.execute(sa.select(SlaPolicy.id).limit(1)).scalar() is None:
        db.session.add(SlaPolicy(category_id=None, severity_id=None, first_response_hours=8, resolution_hours=40))
        for code, (first, resolution) in TARGETS.items():
            severity = db.session.execute(sa.select(Severity).where(Severity.code == code)).scalar()
            if severity is not None:
                db.session.add(SlaPolicy(severity_id=severity.id, first_response_hours=first,
                                         resolution_hours=resolution, raise_severity=code != "critical",
                                         reassign_to_manager=code in ("high", "critical")))
    if db.session.execute(sa.select(Settings.id).limit(1)).scalar() is None:
        db.session.add(Settings(timezone=current_app.config.get("TIMEZONE") or "UTC"))
    ensure_templates()


def ensure_templates() -> None:
    from core.messaging import ensure_template
    from plugins.complaints.mail import ACK_TEMPLATE, CANNED_PREFIX, RATING_TEMPLATE
    from plugins.complaints.template_texts import ACKNOWLEDGEMENT, CANNED, RATING

    sample = {"complaint": {"reference": "C-000042", "title": "Late delivery",
                            "rating_link": "https://example.com/complaints/rate/…"}}
    ensure_template(ACK_TEMPLATE, name="Complaint acknowledgement", source="complaints", texts=ACKNOWLEDGEMENT,
                    description="Sent automatically when a complaint is opened.", sample_variables=sample)
    ensure_template(RATING_TEMPLATE, name="Complaint rating request", source="complaints", texts=RATING,
                    description="Sent when a complaint is closed (unless marketing sends its survey).",
                    sample_variables=sample)
    for key, (name, texts) in CANNED.items():
        ensure_template(CANNED_PREFIX + key, name=name, source="complaints", texts=texts,
                        description="Canned reply for complaints.", sample_variables=sample)
