"""Options for WTForms' select and radio fields, built one way everywhere.

WTForms 3.3 deprecates ``(value, label)`` tuples as choices, for removal in 3.4; a select built from
tuples would stop working on that release. The product's option lists stay plain pairs where they are
defined (views also read them as dicts: a status code's label on a list page), and become
:class:`wtforms.SelectChoice` here, at the form's edge.
"""
from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def select_choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """``[(value, label), ...]`` (a dict's ``items()`` too) as WTForms choices, in the same order."""
    return [SelectChoice(value, label) for value, label in pairs]
