"""RFM scores, named classes and purchase intervals: plain functions over numpy arrays.

Kept free of Flask and SQL so the rules are easy to read and to check by hand
(tests/test_analytics_rfm.py).

**Quintile scores.** A customer's score on a measure is ``1 + floor(5 · k / n)`` where
``k`` is how many of the ``n`` customers do *strictly worse*: the best fifth scores 5,
the worst fifth 1, and customers with equal values always share a score (a million
one-time buyers do not get spread over F = 1…3 by an arbitrary tie-break). Recency is
"days since the last purchase", fewer being better; frequency counts purchase days;
monetary is the revenue in the period.

**Classes.** The usual recency × frequency grid (Putler / "RFM segments"):

=====  =============  =============  ===============  =============  =============
R\\F    1              2              3                4              5
=====  =============  =============  ===============  =============  =============
5      new            potential      potential        champions      champions
4      promising      potential      potential        loyal          loyal
3      about to sleep about to sleep need attention   loyal          loyal
2      hibernating    hibernating    at risk          at risk        can't lose
1      lost           lost           at risk          at risk        can't lose
=====  =============  =============  ===============  =============  =============
"""
from __future__ import annotations

import numpy as np
from flask_babel import lazy_pgettext

# "RFM class" context: "Lost", "Loyal", "New customers" mean something else elsewhere (a lost deal).
CLASSES = {
    "champions": lazy_pgettext("RFM class", "Champions"),
    "loyal": lazy_pgettext("RFM class", "Loyal"),
    "potential": lazy_pgettext("RFM class", "Potential loyalists"),
    "new": lazy_pgettext("RFM class", "New customers"),
    "promising": lazy_pgettext("RFM class", "Promising"),
    "need_attention": lazy_pgettext("RFM class", "Need attention"),
    "about_to_sleep": lazy_pgettext("RFM class", "About to sleep"),
    "at_risk": lazy_pgettext("RFM class", "At risk"),
    "cant_lose": lazy_pgettext("RFM class", "Can't lose them"),
    "hibernating": lazy_pgettext("RFM class", "Hibernating"),
    "lost": lazy_pgettext("RFM class", "Lost"),
}

# GRID[r - 1][f - 1]
GRID = (
    ("lost", "lost", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential", "potential", "loyal", "loyal"),
    ("new", "potential", "potential", "champions", "champions"),
)


def quintile_scores(values, *, lower_is_better: bool = False) -> np.ndarray:
    """Scores 1…5 (see the module docstring); ties share a score."""
    v = np.asarray(values, dtype=float)
    if lower_is_better:
        v = -v
    n = len(v)
    if n == 0:
        return np.empty(0, dtype=np.int8)
    worse = np.searchsorted(np.sort(v), v, side="left")  # how many are strictly smaller
    return (1 + (5 * worse) // n).astype(np.int8)


def classify(r_scores, f_scores) -> list[str]:
    """The class key of each (R, F) pair."""
    return [GRID[int(r) - 1][int(f) - 1] for r, f in zip(r_scores, f_scores)]


def class_label(key: str) -> str:
    return str(CLASSES.get(key, key))


def intervals(days) -> tuple[float | None, float | None]:
    """(median, coefficient of variation) of the gaps between sorted distinct purchase days.

    ``days`` are day numbers (e.g. ``date.toordinal()``). One purchase has no interval
    (None, None); two have a median but no spread (cv None). The coefficient of
    variation (standard deviation / mean) is the regularity: near 0 buys like clockwork.
    """
    gaps = np.diff(np.asarray(days, dtype=float))
    if len(gaps) == 0:
        return None, None
    median = float(np.median(gaps))
    if len(gaps) < 2 or gaps.mean() == 0:
        return median, None
    return median, float(gaps.std() / gaps.mean())
