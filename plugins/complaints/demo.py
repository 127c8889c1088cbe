"""Demo data: a customer-care team and half a year of complaints in every state.

Runs after sales' and service's demo steps (weight 70), so complaints are about the
customers' real orders and equipment where they have some (``complaint_subjects``).
Older complaints are mostly closed and rated; recent ones are still new, acknowledged
or under investigation, a few past their deadlines (the *Breached* list and the
escalation task have something to show). Everything goes through the workflow with
backdated times, so SLA figures and statistics are consistent. No mail is sent: no
acknowledgements, no rating requests.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.db import db, utcnow
from plugins.complaints.models import Category, RootCause, Severity, Team, TeamMember
from plugins.complaints.workflow import create_complaint, subjects_for, transition

COUNT = 60  # complaints (at most one in five demo customers)
DAYS = 180
TITLES = {  # category code -> (title, description) in the customers' languages
    "product": [("The washing machine leaks", "Water under the machine after every wash."),
                ("Η οθόνη δεν ανάβει", "Μετά από δύο εβδομάδες η οθόνη έσβησε."),
                ("המקרר לא מקרר", "הטמפרטורה במקרר עולה כל לילה.")],
    "delivery": [("Delivery two weeks late", "We were promised delivery on Monday; it came two weeks later."),
                 ("Pristatymas sugadintas", "Dėžė buvo sulaužyta, durelės įbrėžtos.")],
    "billing": [("Charged twice", "The invoice was paid twice from our account."),
                ("مبلغ فاکتور اشتباه است", "تخفیف توافق‌شده در فاکتور نیامده است.")],
    "service": [("Technician did not come", "We waited at home all day; nobody called."),
                ("Η επισκευή δεν κράτησε", "Το ίδιο πρόβλημα εμφανίστηκε ξανά μετά από μια εβδομάδα.")],
    "staff": [("Rude answer on the phone", "The person on the hotline hung up on me.")],
    "other": [("Nobody answers my emails", "I wrote three times about my order.")],
}
RESOLUTIONS = [("Replaced the unit free of charge.", "defect", "25.00"),
               ("Refunded the double charge.", "process", None),
               ("Apologised; new delivery slot confirmed.", "communication", "10.00"),
               ("Repeated the repair with a new part.", "supplier", None),
               ("Explained the terms; the charge is correct.", "unfounded", None)]
CHANNELS = ("phone", "phone", "email", "email", "staff", "portal")


def _team():
    """The demo's customer-care team: the demo staff holding a complaints role."""
    from core.auth.models import Role, User

    team = db.session.execute(sa.select(Team).where(Team.name == "Customer care")).scalar_one_or_none()
    if team is not None:
        return team
    users = db.session.execute(sa.select(User).join(User.roles).where(
        Role.name.in_(("Complaints agent", "Complaints manager")), User.active.is_(True))
        .order_by(User.id)).scalars().unique().all()
    managers = [u for u in users if u.can("complaints.manage")]
    team = Team(name="Customer care", manager_id=managers[0].id if managers else None, round_robin=True)
    db.session.add(team)
    db.session.flush()
    for user in users:
        team.members.append(TeamMember(user=user))
    return team


def load_demo(rng, customers) -> None:
    from core.customers.models import Customer

    if db.session.execute(sa.select(sa.func.count()).select_from(Category)).scalar() == 0:
        return  # the defaults are created when the plugin is enabled
    team = _team()
    categories = {c.code: c for c in db.session.execute(sa.select(Category).where(Category.code.is_not(None)))
                  .scalars()}
    severities = {s.code: s for s in db.session.execute(sa.select(Severity).where(Severity.code.is_not(None)))
                  .scalars()}
    causes = {r.code: r for r in db.session.execute(sa.select(RootCause).where(RootCause.code.is_not(None)))
              .scalars()}
    now = utcnow()
    chosen = rng.sample(customers, min(COUNT, len(customers) // 5))
    for customer_id in chosen:
        customer = db.session.get(Customer, customer_id)
        code = rng.choice([c for c in TITLES if c in categories])
        title, description = rng.choice(TITLES[code])
        subjects = subjects_for(customer)
        about = rng.choice(subjects)["ref"] if subjects and rng.random() < 0.6 else None
        severity = severities.get(rng.choices(("low", "normal", "high", "critical"), (3, 6, 3, 1))[0])
        age = 0.05 + DAYS * rng.random() ** 2  # more recent than old: a sixth from the last five days
        at = now - timedelta(days=age)
        complaint = create_complaint(
            {"customer_id": customer_id, "title": title, "description": description,
             "category_id": categories[code].id, "severity_id": severity.id if severity else None,
             "team_id": team.id, "about_ref": about},
            channel=rng.choice(CHANNELS), acknowledge=False, at=at)
        _progress(rng, complaint, at, now, causes)
    from plugins.complaints.stats import refresh

    refresh(now)  # the statistics page shows the demo at once, not after the first 15-minute run


def _progress(rng, complaint, at, now, causes) -> None:
    """Move one complaint along as far as its age makes likely, at plausible times."""
    age_days = (now - at).total_seconds() / 86400
    # how far it got: 0 new, 1 acknowledged, 2 investigating, 3 resolved, 4 closed
    if age_days > 30:
        reached = rng.choices((2, 3, 4), (1, 2, 12))[0]
    elif age_days > 5:
        reached = rng.choices((1, 2, 3, 4), (2, 3, 3, 3))[0]
    else:
        reached = rng.choices((0, 1, 2), (3, 2, 1))[0]
    step_at = at
    for action, level in (("acknowledge", 1), ("investigate", 2), ("resolve", 3), ("close", 4)):
        if reached < level:
            return
        step_at = min(step_at + timedelta(hours=rng.uniform(1, 30 if level < 3 else 120)), now)
        data = None
        if action == "resolve":
            text, cause, money = rng.choice(RESOLUTIONS)
            data = {"resolution": text, "root_cause_id": causes[cause].id if cause in causes else None,
                    "compensation_amount": money}
            if data["root_cause_id"] is None:
                return
        transition(complaint, action, data, now=step_at, ask_rating=False)
    if rng.random() < 0.7:
        complaint.rating = rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 4, 5))[0]
        complaint.rated_at = min(step_at + timedelta(days=1), now)
        complaint.rating_source = "link"
