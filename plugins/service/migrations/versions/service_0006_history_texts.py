"""service history entries as stored texts

Revision ID: service_0006
Revises: service_0015
Create Date: 2026-11-27 10:20:00

History subjects the service plugin wrote as sentences (English, or Hebrew when a Hebrew
user caused them) become stored texts read in each reader's language
(plugins/service/texts.py). States written as words are mapped back to their keys.
"""
from core.l10n.migration import Rule, convert_subjects

revision = "service_0006"
down_revision = "service_0015"
branch_labels = None
depends_on = "core_0006"

STATUS = {"new": "new", "diagnosed": "diagnosed", "in repair": "in_repair", "done": "done", "closed": "closed",
          "cancelled": "cancelled", "חדשה": "new", "אובחנה": "diagnosed", "בתיקון": "in_repair", "בוצעה": "done",
          "סגורה": "closed", "בוטלה": "cancelled"}
DECISION = {"covered": "covered", "partly covered": "partly_covered", "billable": "billable", "מכוסה": "covered",
            "מכוסה חלקית": "partly_covered", "לחיוב": "billable"}
OUTCOME = {"all fine": "ok", "adjusted": "adjusted", "needs repair": "needs_repair", "no access": "no_access",
           "הכול תקין": "ok", "כוונן": "adjusted", "דרוש תיקון": "needs_repair", "אין גישה": "no_access"}
WARRANTY = {"Standard warranty": "standard", "Extended warranty": "extended", "Service contract": "contract",
            "אחריות רגילה": "standard", "אחריות מורחבת": "extended", "חוזה שירות": "contract"}
REQUEST_KINDS = tuple(f"service.request_{s}" for s in ("diagnosed", "in_repair", "closed", "cancelled"))


def _mapped(table, value):
    return table.get(value.strip()) if value else None


def _status(g):
    status = _mapped(STATUS, g["status"])
    return {"number": g["n"], "status": status} if status else None


def _repaired(g):
    decision = _mapped(DECISION, g["decision"])
    return {"number": g["n"], "decision": decision, "covered": g["c"], "billable": g["b"],
            "currency": None} if decision else None


def _override(g):
    decision = _mapped(DECISION, g["decision"])
    return {"number": g["n"], "decision": decision} if decision else None


def _visit(g):
    outcome = _mapped(OUTCOME, g["outcome"])
    return {"label": g["label"], "outcome": outcome} if outcome else None


def _warranty(g):
    kind = _mapped(WARRANTY, g["kind"])
    return {"kind": kind, "label": g["label"], "end": g["end"]} if kind else None


RULES = [
    Rule("service.units_registered", ("service.equipment_registered",),
         ("%(count)d unit(s) registered from order %(number)s", "%(count)d יחידות נרשמו מהזמנה %(number)s"),
         "%(count)s unit(s) registered from order %(number)s",
         lambda g: {"count": int(g["count"]), "number": g["number"]}),
    Rule("service.equipment_registered", ("service.equipment_registered",),
         ("Equipment registered: %(label)s", "ציוד נרשם: %(label)s"), "Equipment registered: %(label)s"),
    Rule("service.units_retired", ("service.equipment_retired",),
         ("Order %(number)s cancelled: %(r)d unit(s) retired, %(k)d kept",
          "הזמנה %(number)s בוטלה: %(r)d יחידות הוצאו משימוש, %(k)d נשמרו"),
         "Order %(number)s cancelled: %(r)s unit(s) retired, %(k)s kept",
         lambda g: {"number": g["number"], "retired": int(g["r"]), "kept": int(g["k"])}),
    Rule("service.equipment_retired", ("service.equipment_retired",),
         ("Equipment retired: %(label)s", "ציוד הוצא משימוש: %(label)s"), "Equipment retired: %(label)s"),
    Rule("service.warranty_added", ("service.warranty_standard", "service.warranty_extended", "service.warranty_contract"),
         ("%(kind)s for %(label)s until %(end)s", "%(kind)s עבור %(label)s עד %(end)s"),
         "%(kind)s for %(label)s until %(end)s", _warranty),
    Rule("service.request_opened", ("service.request_opened",),
         ("Service request %(n)s opened: %(label)s", "קריאת שירות %(n)s נפתחה: %(label)s"),
         "Service request %(n)s opened: %(label)s", lambda g: {"number": g["n"], "label": g["label"]}),
    Rule("service.request_assigned", ("service.request_assigned",),
         ("%(n)s assigned to %(name)s", "%(n)s הוקצתה ל־%(name)s"), "%(n)s assigned to %(name)s",
         lambda g: {"number": g["n"], "name": g["name"]}),
    Rule("service.request_repaired", ("service.request_done",),
         ("%(n)s repaired (%(decision)s; covered %(c)s, billable %(b)s)",
          "%(n)s תוקנה (%(decision)s; מכוסה %(c)s, לחיוב %(b)s)"),
         "%(n)s repaired (%(decision)s; covered %(c)s, billable %(b)s)", _repaired),
    Rule("service.request_status", REQUEST_KINDS, ("%(n)s: %(status)s",), "%(n)s: %(status)s", _status),
    Rule("service.coverage_override", ("service.coverage_override",),
         ("%(n)s coverage: %(decision)s", "כיסוי %(n)s: %(decision)s"), "%(n)s coverage: %(decision)s", _override),
    Rule("service.visit_done", ("service.visit_done",),
         ("Maintenance visit on %(label)s: %(outcome)s", "ביקור תחזוקה ב־%(label)s: %(outcome)s"),
         "Maintenance visit on %(label)s: %(outcome)s", _visit),
]


def upgrade():
    from alembic import op

    convert_subjects(op.get_bind(), RULES)


def downgrade():
    pass  # the English text stays in ``subject``; nothing to undo
