"""Turn history subjects stored as sentences into stored texts (kind + parameters).

Before stored texts existed, the system wrote ``subject="2 unit(s) registered from
order SO-77"`` in the language of whoever caused it. A data migration of the owner
(the core or a plugin) describes each of its old sentences as a :class:`Rule` — the
English text and every translation that shipped, as ``%(name)s`` templates — and
:func:`convert_subjects` finds the entries that match, stores the kind and the
parameters read back from the sentence, and writes the English text into ``subject``.
Entries that match nothing stay as they are (they still show their old text).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import sqlalchemy as sa

BATCH = 1000
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Rule:
    """Entries with ``Interaction.kind`` in ``kinds`` whose subject matches one of ``templates``.

    ``english`` is the English template written back into ``subject``; ``params`` turns
    the captured strings into the stored parameters (default: as captured); it may
    return ``None`` to skip an entry.
    """

    subject_kind: str
    kinds: tuple[str, ...]
    templates: tuple[str, ...]
    english: str
    params: Callable[[dict], dict | None] = field(default=lambda groups: groups)

    def patterns(self) -> list[re.Pattern]:
        out = []
        for template in self.templates:
            parts, pos = [], 0
            for m in _PLACEHOLDER.finditer(template):
                parts.append(re.escape(template[pos:m.start()]))
                name = m.group(1)
                parts.append(rf"(?P<{name}>\d+)" if m.group(0).endswith("d") else rf"(?P<{name}>.+?)")
                pos = m.end()
            parts.append(re.escape(template[pos:]))
            out.append(re.compile("^" + "".join(parts) + "$", re.S))
        return out


def convert_subjects(bind, rules: list[Rule]) -> int:
    """Apply ``rules`` to ``core_interaction`` in batches; returns the number of entries converted."""
    table = sa.table("core_interaction", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                     sa.column("subject", sa.String), sa.column("subject_kind", sa.String),
                     sa.column("subject_params", sa.JSON))
    kinds = sorted({k for r in rules for k in r.kinds})
    compiled = [(r, r.patterns()) for r in rules]
    converted, last_id = 0, 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.kind, table.c.subject)
            .where(table.c.kind.in_(kinds), table.c.subject_kind.is_(None), table.c.id > last_id)
            .order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return converted
        last_id = rows[-1].id
        for row in rows:
            for rule, patterns in compiled:
                if row.kind not in rule.kinds:
                    continue
                match = next((m for m in (p.match(row.subject or "") for p in patterns) if m), None)
                if match is None:
                    continue
                groups = match.groupdict()
                params = rule.params(dict(groups))
                if params is None:
                    continue
                english = rule.english % groups
                bind.execute(table.update().where(table.c.id == row.id).values(
                    subject_kind=rule.subject_kind, subject_params=params, subject=english[:300]))
                converted += 1
                break
