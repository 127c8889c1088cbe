"""Customer clusters: k-means over RFM scores and profile attributes, with a profile per cluster.

Run by the recomputation job after the RFM scores. Features per customer (one row each):

- R, F and M scores (1–5);
- gender as three indicator columns (female, male, other; unspecified or unknown is all zeros);
- age band and income band as ordinal numbers (age from the birth date at the snapshot date),
  an unknown value replaced by the mean of the known ones so it pulls no cluster apart;
- purchase purpose (free text, compared case-blind) as indicators of the ``TOP_PURPOSES``
  most common purposes.

Each column is standardised (mean 0, standard deviation 1; constant columns dropped) so that
no unit dominates the distances, then ``scipy.cluster.vq.kmeans2`` (k-means++ start, fixed
seed, best of ``RESTARTS`` runs by within-cluster sum of squares) groups them. The number of
clusters is ``ANALYTICS_CLUSTERS`` when set, otherwise the k in 2..``MAX_CLUSTERS`` with the
best mean silhouette on a sample (at most ``SAMPLE`` customers, so choosing k stays cheap
at a million customers; the final fit uses everyone).

Clusters are numbered by value, best first (highest mean R + F + M): cluster 1 is always
the most valuable group, so a marketing segment "analytics cluster 1" keeps its meaning
from one night to the next even though k-means' own labels are arbitrary.

The profile (size, mean scores, mean revenue, the most common value of each attribute and
its share) goes to ``analytics_cluster``; the description shown on the page is generated
from it in the reader's language (``describe``).
"""
from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import db

MAX_CLUSTERS = 8
RESTARTS = 4
SAMPLE = 2_000              # customers whose silhouette chooses k
FIT_SAMPLE = 20_000         # customers whose k-means fit gives the centroids (all are then assigned)
SEED = 12
TOP_PURPOSES = 8
MIN_CUSTOMERS = 10          # fewer than this: no clusters (nothing to group)
#: The profile attributes, in the order a cluster's description names them.
ATTRIBUTES = ("gender", "age_band", "income_band", "purpose")
DOMINANT_SHARE = 0.5        # an attribute value is named in the description from this share up
ID_CHUNK = 5_000

GENDERS = ("female", "male", "other")
INCOME_ORDER = ("low", "lower_middle", "middle", "upper_middle", "high")
AGE_BANDS = (("under_25", 0, 25), ("25_34", 25, 35), ("35_44", 35, 45), ("45_54", 45, 55),
             ("55_64", 55, 65), ("65_plus", 65, 200))
AGE_LABELS = {"under_25": _l("under 25"), "25_34": _l("25–34"), "35_44": _l("35–44"), "45_54": _l("45–54"),
              "55_64": _l("55–64"), "65_plus": _l("65 and over")}
GENDER_PHRASES = {"female": _l("mostly women"), "male": _l("mostly men"), "other": _l("mostly of another gender")}


@dataclass
class Profiles:
    """What the job computed: each customer's cluster number (aligned with the summary) and the profiles."""

    labels: np.ndarray | None           # 1-based cluster per customer, None when not clustered
    rows: list[dict]                    # analytics_cluster rows without snapshot_id


def age_band(birth: date | None, as_of: date) -> str | None:
    if birth is None:
        return None
    years = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
    for key, low, high in AGE_BANDS:
        if low <= years < high:
            return key
    return None


def _purpose_key(text: str | None) -> str | None:
    text = " ".join((text or "").split()).casefold()
    return text or None


def load_attributes(customer_ids: list[int], as_of: date) -> dict[str, list]:
    """Profile attributes of ``customer_ids`` in the same order (unknown → None), in chunks of ids."""
    from core.customers.models import Customer

    found = {}
    for start in range(0, len(customer_ids), ID_CHUNK):
        chunk = customer_ids[start:start + ID_CHUNK]
        for cid, gender, birth, income, purpose in db.session.execute(
                sa.select(Customer.id, Customer.gender, Customer.birth_date, Customer.income_band,
                          Customer.purchase_purpose).where(Customer.id.in_(chunk))):
            found[cid] = (gender if gender in GENDERS else None, age_band(birth, as_of),
                          income if income in INCOME_ORDER else None, purpose)
    empty = (None, None, None, None)
    rows = [found.get(cid, empty) for cid in customer_ids]
    return {"gender": [r[0] for r in rows], "age_band": [r[1] for r in rows],
            "income_band": [r[2] for r in rows], "purpose": [r[3] for r in rows]}


def _ordinal(values: list, order: tuple) -> np.ndarray:
    position = {key: i for i, key in enumerate(order)}
    column = np.array([position.get(v, np.nan) if v is not None else np.nan for v in values], dtype=float)
    known = ~np.isnan(column)
    column[~known] = column[known].mean() if known.any() else 0.0
    return column


def features(r, f, m, attributes: dict[str, list]) -> np.ndarray:
    """The standardised feature matrix (customers × columns); see the module docstring."""
    columns = [np.asarray(r, float), np.asarray(f, float), np.asarray(m, float)]
    columns += [np.array([g == key for g in attributes["gender"]], dtype=float) for key in GENDERS]
    columns.append(_ordinal(attributes["age_band"], tuple(key for key, _lo, _hi in AGE_BANDS)))
    columns.append(_ordinal(attributes["income_band"], INCOME_ORDER))
    purposes = [_purpose_key(p) for p in attributes["purpose"]]
    for key, _count in Counter(p for p in purposes if p).most_common(TOP_PURPOSES):
        columns.append(np.array([p == key for p in purposes], dtype=float))
    data = np.column_stack(columns)
    std = data.std(axis=0)
    keep = std > 1e-9
    return (data[:, keep] - data[:, keep].mean(axis=0)) / std[keep]


def kmeans(data: np.ndarray, k: int, seed: int = SEED) -> np.ndarray:
    """Labels (0-based) of the best of ``RESTARTS`` k-means++ runs; deterministic for a given seed.

    Past ``FIT_SAMPLE`` customers the centroids are fitted on a fixed random sample of that size
    and every customer is then assigned to the nearest one (``scipy.cluster.vq.vq``, one pass):
    the centroids of 20,000 customers are those of a million to well within the spread of the
    clusters, and the fit stays seconds instead of minutes (plugins/analytics/README.md).
    """
    from scipy.cluster.vq import kmeans2, vq

    rng = np.random.default_rng(seed)
    fit = data if len(data) <= FIT_SAMPLE else data[rng.choice(len(data), FIT_SAMPLE, replace=False)]
    best, best_inertia = None, np.inf
    for _run in range(RESTARTS):
        with warnings.catch_warnings():  # "one of the clusters is empty": that run simply scores worse
            warnings.simplefilter("ignore")
            centroids, labels = kmeans2(fit, k, iter=30, minit="++", seed=rng)
        inertia = float(((fit - centroids[labels]) ** 2).sum())
        if inertia < best_inertia:
            best, best_inertia = centroids, inertia
    return vq(data, best, check_finite=False)[0]


def silhouette(data: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient (Rousseeuw 1987); -1 when there is only one cluster."""
    present = np.unique(labels)
    if len(present) < 2:
        return -1.0
    sq = (data ** 2).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * data @ data.T, 0))
    n = len(data)
    a = np.zeros(n)
    b = np.full(n, np.inf)
    for c in present:
        members = labels == c
        size = members.sum()
        mean_to_c = dist[:, members].sum(axis=1)
        inside = members & (size > 1)
        a[inside] = mean_to_c[inside] / (size - 1)
        b[~members] = np.minimum(b[~members], mean_to_c[~members] / size)
    s = np.where(np.maximum(a, b) > 0, (b - a) / np.maximum(a, b), 0.0)
    singles = np.isin(labels, [c for c in present if (labels == c).sum() == 1])
    s[singles] = 0.0
    return float(s.mean())


def choose_k(data: np.ndarray) -> int:
    """The number of clusters with the best silhouette on a fixed sample (ties: fewer clusters)."""
    rng = np.random.default_rng(SEED)
    sample = data if len(data) <= SAMPLE else data[rng.choice(len(data), SAMPLE, replace=False)]
    distinct = len(np.unique(sample, axis=0))
    best_k, best_score = 2, -np.inf
    for k in range(2, min(MAX_CLUSTERS, distinct) + 1):
        score = silhouette(sample, kmeans(sample, k))
        if score > best_score + 1e-9:
            best_k, best_score = k, score
    return best_k


def _dominant(values: list) -> dict | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    value, count = Counter(known).most_common(1)[0]
    return {"value": value, "share": count / len(values)}


def cluster(summary, scores: dict) -> Profiles:
    """Cluster the summarised customers; labels aligned with ``summary``, profiles best first."""
    n = len(summary)
    if n < MIN_CUSTOMERS:
        return Profiles(None, [])
    attributes = load_attributes(summary.customer_id, summary.as_of)
    data = features(scores["r"], scores["f"], scores["m"], attributes)
    if data.shape[1] == 0 or len(np.unique(data, axis=0)) < 2:
        return Profiles(None, [])
    k = current_app.config.get("ANALYTICS_CLUSTERS") or choose_k(data)
    k = max(2, min(int(k), len(np.unique(data, axis=0))))
    raw = kmeans(data, k)
    r, f, m = (np.asarray(scores[key], float) for key in ("r", "f", "m"))
    revenue = np.array([float(v) for v in summary.revenue])
    present = [c for c in range(k) if (raw == c).any()]
    present.sort(key=lambda c: (-(r[raw == c].mean() + f[raw == c].mean() + m[raw == c].mean()), c))
    number = {c: i + 1 for i, c in enumerate(present)}
    labels = np.array([number[c] for c in raw], dtype=int)
    # Purposes as people typed them: the most common spelling of each case-blind key.
    spelled: dict[str, Counter] = {}
    for text in attributes["purpose"]:
        key = _purpose_key(text)
        if key:
            spelled.setdefault(key, Counter())[" ".join(text.split())] += 1
    purposes = [_purpose_key(p) for p in attributes["purpose"]]
    rows = []
    for c in present:
        members = np.flatnonzero(raw == c)
        profile = {name: _dominant([attributes[name][i] for i in members])
                   for name in ("gender", "age_band", "income_band")}
        purpose = _dominant([purposes[i] for i in members])
        if purpose is not None:
            purpose["value"] = spelled[purpose["value"]].most_common(1)[0][0][:200]
        profile["purpose"] = purpose
        rows.append({"number": number[c], "customers": int(len(members)),
                     "mean_r": float(r[members].mean()), "mean_f": float(f[members].mean()),
                     "mean_m": float(m[members].mean()), "mean_revenue": round(float(revenue[members].mean()), 2),
                     "profile": profile})
    rows.sort(key=lambda row: row["number"])
    return Profiles(labels, rows)


def write_profiles(snapshot_id: int, profiles: Profiles) -> None:
    from decimal import Decimal

    from plugins.analytics.models import Cluster

    if profiles.rows:
        db.session.connection().execute(Cluster.__table__.insert(), [
            {**row, "snapshot_id": snapshot_id, "mean_revenue": Decimal(repr(row["mean_revenue"])).quantize(Decimal("0.01"))}
            for row in profiles.rows])


def delete_snapshots(old) -> None:
    from plugins.analytics.models import Cluster

    db.session.execute(sa.delete(Cluster).where(Cluster.snapshot_id.in_(old)).execution_options(synchronize_session=False))


# -- words for the page ----------------------------------------------------------------------


def attribute_label(name: str, value: str) -> str:
    """An attribute value as the reader says it (purpose: as typed)."""
    from core.customers.forms import GENDER_LABELS, INCOME_LABELS

    if name == "gender":
        return str(GENDER_LABELS.get(value, value))
    if name == "income_band":
        return str(INCOME_LABELS.get(value, value))
    if name == "age_band":
        return str(AGE_LABELS.get(value, value))
    return value


def _level(score: float, high: str, low: str, middle: str) -> str:
    return high if score >= 3.5 else low if score <= 2.5 else middle


def describe(row) -> list[str]:
    """Short phrases describing a cluster (plain text, in the reader's language), most telling first."""
    phrases = [
        _level(row.mean_r, _("bought recently"), _("have not bought for a long time"), _("bought a while ago")),
        _level(row.mean_f, _("buy often"), _("buy rarely"), _("buy now and then")),
        _level(row.mean_m, _("spend a lot"), _("spend little"), _("spend a middling amount")),
    ]
    profile = row.profile or {}
    templates = {
        "gender": lambda v: str(GENDER_PHRASES[v]),
        "age_band": lambda v: _("mostly aged %(band)s", band=attribute_label("age_band", v)),
        "income_band": lambda v: _("mostly %(band)s income", band=attribute_label("income_band", v).lower()),
        "purpose": lambda v: _("mostly buying for “%(purpose)s”", purpose=v),
    }
    for name in ATTRIBUTES:
        dominant = profile.get(name)
        if dominant and dominant["share"] >= DOMINANT_SHARE:
            phrases.append(templates[name](dominant["value"]))
    return phrases


def description(row) -> str:
    """The cluster's description as the page and the API give it: its phrases in one sentence."""
    return _(", ").join(describe(row))


def cluster_rows(snapshot) -> list:
    """The snapshot's clusters, cluster 1 (the most valuable) first."""
    from plugins.analytics.models import Cluster

    return db.session.execute(sa.select(Cluster).where(Cluster.snapshot_id == snapshot.id)
                              .order_by(Cluster.number)).scalars().all()


def own_counts(snapshot) -> dict[int, int]:
    """Cluster number → how many of the customers this user may see (record rule) it holds.

    From the snapshot's per-owner counts (owner_counts.py); a snapshot written before them counts live.
    """
    from core.security import scoped
    from plugins.analytics.models import CustomerFigures
    from plugins.analytics.owner_counts import cluster_counts

    if snapshot.owner_counts:
        return cluster_counts(snapshot)

    stmt = scoped(sa.select(CustomerFigures.cluster, sa.func.count()).select_from(CustomerFigures),
                  CustomerFigures).where(CustomerFigures.snapshot_id == snapshot.id,
                                         CustomerFigures.cluster.is_not(None)).group_by(CustomerFigures.cluster)
    return dict(db.session.execute(stmt).all())


def profile_document(row) -> dict:
    """The cluster's profile for the API: each attribute's most common value, its label in the
    reader's language and its share of the cluster (None where nobody filled it in)."""
    profile = row.profile or {}
    out = {}
    for name in ATTRIBUTES:
        dominant = profile.get(name)
        out[name] = None if not dominant else {"value": dominant["value"], "share": dominant["share"],
                                               "label": attribute_label(name, dominant["value"])}
    return out


def cluster_document(row, total: int, own: dict | None = None) -> dict:
    """One cluster as ``/api/v1/analytics/clusters`` gives it: what the clusters page shows."""
    return {"number": row.number, "customers": row.customers, "share": (row.customers / total) if total else 0.0,
            "own_customers": None if own is None else own.get(row.number, 0),
            "mean_r": row.mean_r, "mean_f": row.mean_f, "mean_m": row.mean_m, "mean_revenue": row.mean_revenue,
            "description": description(row), "phrases": describe(row), "profile": profile_document(row)}
