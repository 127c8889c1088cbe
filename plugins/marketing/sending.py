"""Sending a campaign: the background job ``marketing.send_campaign``.

1. **Recipients** are written once, with one ``INSERT … SELECT`` from the segment's query
   (a campaign of 100,000 is not a loop), then the ones that must be skipped are marked
   with their reason by a few set-based ``UPDATE``\\ s: no address, unsubscribed (consent
   withdrawn), no consent, frequency cap (another campaign on this channel within N days).
2. **Batches** of pending recipients are rendered in the customer's language (the core's
   personal templates), given signed unsubscribe / click / open links and handed to the
   outbox with ``queue_message(..., purpose="marketing")`` — which checks consent again at
   that moment — together with the recipient's new state and its history entry; then
   ``job.progress`` commits the batch. A worker killed mid-batch loses the whole
   uncommitted batch and the next attempt starts from the pending rows: nobody is queued
   twice (the outbox's ``dedupe_key`` guards that too) and nobody is left out.
3. Between batches the job reads the campaign's state: *Pause* and *Cancel* stop it there;
   *Resume* starts a new job that continues with the pending rows. ``rate_per_minute``
   paces what is handed to the outbox (the outbox's own rate still applies after that).
"""
from __future__ import annotations

import math
import re
import time
from datetime import timedelta
from html import escape
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from core.customers.models import Consent, CustomerEmail, CustomerPhone
from core.db import change_state, db, utcnow
from plugins.marketing.models import (
    CANCELLED,
    DONE,
    FAILED_RENDER,
    FREQUENCY_CAP,
    NO_ADDRESS,
    NO_CONSENT,
    PENDING,
    QUEUED,
    WITHDRAWN,
    SCHEDULED,
    SENDING,
    SKIPPED,
    TESTING,
    UNSUBSCRIBED,
    Campaign,
    Link,
    Recipient,
)
from plugins.marketing.tracking import CLICK, OPEN, UNSUBSCRIBE, token_maker

BATCH = 500
HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"'<>\s]+)\2""", re.IGNORECASE)
PLAIN_URL = re.compile(r"""https?://[^\s<>"']+[^\s<>"'.,;:!?)]""")


# -- recipients ---------------------------------------------------------------------------------


def materialise(campaign: Campaign) -> int:
    """Write the campaign's recipients from its segment (once) and mark who is skipped and why.

    Returns how many recipients the campaign has. Safe to run again: customers already
    listed are not added twice (the unique key and ``NOT EXISTS``).
    """
    from plugins.marketing.segments import member_ids_select

    have = db.session.execute(sa.select(sa.func.count()).select_from(Recipient)
                              .where(Recipient.campaign_id == campaign.id)).scalar()
    if have == 0 and campaign.segment is not None:
        members = member_ids_select(campaign.segment).subquery()
        written = db.session.execute(sa.insert(Recipient).from_select(
            ["campaign_id", "customer_id", "status"],
            sa.select(sa.literal(campaign.id), members.c.id, sa.literal(PENDING)))).rowcount
        refresh_statistics(Recipient.__tablename__, written, 0.2)
        _mark_skipped(campaign)
        if campaign.ab_template_key and campaign.ab_sample_percent:
            assign_variants(campaign)
    return db.session.execute(sa.select(sa.func.count()).select_from(Recipient)
                              .where(Recipient.campaign_id == campaign.id)).scalar()


def refresh_statistics(table: str, new_rows: int, share: float) -> bool:
    """On PostgreSQL, ``ANALYZE`` ``table`` when this job's ``new_rows`` are 1,000 or more and over
    ``share`` of the rows its statistics last counted. Returns whether it did.

    Why: a campaign's statements are planned on the tables' statistics, and autovacuum retakes
    them only a minute or more after a large campaign wrote its rows — after the job is done.
    Planned on a recipients table believed empty, a 100,000-recipient campaign sorted all its
    pending rows for every batch (auto_explain, mid-run); planned on an outbox believed empty,
    the outbox's duplicate check of each batch (500 keys) became a sequential scan of the
    growing outbox (pg_stat_statements at 1,000,000 customers: 29 of the queue's 51 s in two
    runs of three). ``ANALYZE`` inside the transaction counts its own uncommitted rows, samples
    at most 30,000 rows however large the table, and makes the cached plans be made again."""
    if new_rows < 1000 or db.session.get_bind().dialect.name != "postgresql":
        return False
    counted = db.session.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                                 {"t": table}).scalar()
    if new_rows <= share * max(counted or 0, 0):
        return False
    db.session.execute(sa.text(f'ANALYZE "{table}"'))  # a table name of this module's, never input
    return True


def _skip(campaign: Campaign, reason: str, condition) -> None:
    db.session.execute(
        sa.update(Recipient).where(Recipient.campaign_id == campaign.id, Recipient.status == PENDING, condition)
        .values(status=SKIPPED, skip_reason=reason).execution_options(synchronize_session=False))


def _mark_skipped(campaign: Campaign) -> None:
    """The skip reasons, in the order a person would name them."""
    cid = Recipient.customer_id
    address = CustomerEmail if campaign.channel == "email" else CustomerPhone
    _skip(campaign, NO_ADDRESS, ~sa.exists().where(address.customer_id == cid))
    _skip(campaign, UNSUBSCRIBED, sa.exists().where(Consent.customer_id == cid, Consent.channel == campaign.channel,
                                                    Consent.granted.is_(False)))
    _skip(campaign, NO_CONSENT, ~sa.exists().where(Consent.customer_id == cid, Consent.channel == campaign.channel,
                                                   Consent.granted.is_(True)))
    if campaign.frequency_cap_days:
        other = sa.orm.aliased(Recipient)
        since = utcnow() - timedelta(days=campaign.frequency_cap_days)
        _skip(campaign, FREQUENCY_CAP, sa.exists().where(
            other.customer_id == cid, other.campaign_id != campaign.id, other.status == QUEUED,
            other.queued_at >= since,
            other.campaign_id.in_(sa.select(Campaign.id).where(Campaign.channel == campaign.channel))))


def assign_variants(campaign: Campaign) -> tuple[int, int]:
    """Draw the A/B sample at random among those who will get the campaign: half get variant
    A's template, half variant B's; the rest wait for the winner."""
    eligible = db.session.execute(sa.select(sa.func.count()).select_from(Recipient).where(
        Recipient.campaign_id == campaign.id, Recipient.status == PENDING)).scalar()
    size = max(2, math.ceil(eligible * campaign.ab_sample_percent / 100)) if eligible >= 2 else 0
    ids = db.session.execute(sa.select(Recipient.id).where(
        Recipient.campaign_id == campaign.id, Recipient.status == PENDING)
        .order_by(sa.func.random()).limit(size)).scalars().all()
    half = len(ids) // 2
    for variant, chunk in (("a", ids[:len(ids) - half]), ("b", ids[len(ids) - half:])):
        for start in range(0, len(chunk), 1000):
            db.session.execute(sa.update(Recipient).where(Recipient.id.in_(chunk[start:start + 1000]))
                               .values(variant=variant).execution_options(synchronize_session=False))
    return len(ids) - half, half


def template_for(campaign: Campaign, recipient) -> str:
    """Variant B's template for B's half of the sample, and for the rest when B won."""
    if campaign.ab_template_key and (recipient.variant == "b" or (recipient.variant == "" and
                                                                   campaign.ab_winner == "b")):
        return campaign.ab_template_key
    return campaign.template_key


def ab_waiting(campaign: Campaign):
    """While an A/B campaign has no winner, only the sample is sent."""
    if campaign.ab_template_key and campaign.ab_sample_percent and campaign.ab_winner is None:
        return Recipient.variant != ""
    return sa.true()


# -- one message ----------------------------------------------------------------------------------


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for a customer (``RAPPORT_PUBLIC_URL``), also outside a request."""
    base = current_app.config.get("PUBLIC_URL") or "http://localhost:5000"
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


class LinkBook:
    """The campaign's links (``marketing_link``): each distinct URL once, by id."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.ids = dict(db.session.execute(sa.select(Link.url, Link.id).where(Link.campaign_id == campaign.id)).all())

    def id_for(self, url: str) -> int:
        if url not in self.ids:
            link = Link(campaign_id=self.campaign.id, url=url[:2000])
            db.session.add(link)
            db.session.flush()
            self.ids[url] = link.id
        return self.ids[url]


def _split_links(source: str, pattern, group: int, links: LinkBook, click_base: str) -> tuple:
    """``source`` cut at the links to track: ``(literal, link id, literal, link id, …, literal)``.

    Done once per distinct text — a text shared by a language's recipients is cut once per
    job, then each recipient's copy is only the literals joined with their signed tokens."""
    own, out, last = urlsplit(click_base).netloc, [], 0
    for m in pattern.finditer(source):
        url = m.group(group)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc == own:
            continue
        out.extend((source[last:m.start(group)], links.id_for(url)))
        last = m.end(group)
    out.append(source[last:])
    return tuple(out)


def _join_links(pieces: tuple, recipient, click_base: str, html: bool, sign) -> str:
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append(piece)
        else:
            url = click_base.replace("TOKEN", sign(recipient.id, piece))
            out.append(escape(url) if html else url)
    return "".join(out)


def footer_texts(language: str | None) -> dict:
    """The unsubscribe lines in the customer's language (cached per language for the job)."""
    from flask_babel import force_locale

    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return {"email": _("To stop receiving these emails: %(url)s", url="URL"), "link": _("Unsubscribe"),
                "sms": _("Stop: %(url)s", url="URL")}


_FOOTERS: dict = {}


def _footer(language: str | None) -> dict:
    key = (current_app.import_name, language)
    if key not in _FOOTERS:
        _FOOTERS[key] = footer_texts(language)
    return _FOOTERS[key]


def build_email(rendered, recipient, links: LinkBook, bases: dict, cuts: dict | None = None
                ) -> tuple[str, str, str, dict]:
    """Subject, text, HTML and headers of one campaign email: links go through the signed
    click redirect, an open pixel is added to the HTML, and an unsubscribe link (in the
    customer's language) and the RFC 8058 one-click headers are added. ``cuts`` keeps each
    distinct text cut at its links (see :func:`_split_links`) for the job."""
    cuts = {} if cuts is None else cuts
    footer, sign = _footer(rendered.language), bases["sign"]
    unsubscribe = bases["unsubscribe"].replace("TOKEN", sign[UNSUBSCRIBE](recipient.id))
    key = ("text", rendered.text)
    if key not in cuts:
        cuts[key] = _split_links(rendered.text, PLAIN_URL, 0, links, bases["click"])
    text = _join_links(cuts[key], recipient, bases["click"], False, sign[CLICK])
    text += "\n\n-- \n" + footer["email"].replace("URL", unsubscribe)
    html = rendered.html or ""
    if html:
        key = ("html", html)
        if key not in cuts:
            cuts[key] = _split_links(html, HREF, 3, links, bases["click"])
        html = _join_links(cuts[key], recipient, bases["click"], True, sign[CLICK])
    else:
        html = "<div>" + escape(text).replace("\n", "<br>\n") + "</div>"
    pixel = bases["open"].replace("TOKEN", sign[OPEN](recipient.id))
    html += ('<p style="font-size:small;color:#666"><a href="{u}">{t}</a></p>'
             '<img src="{p}" width="1" height="1" alt="">').format(u=escape(unsubscribe), t=escape(footer["link"]),
                                                                  p=escape(pixel))
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return rendered.subject, text, html, headers


def with_survey_link(rendered, link: str, survey, language):
    """The message with the survey's question and link added (the template did not place it)."""
    from dataclasses import replace

    from plugins.marketing.surveys import question

    line = question(survey, language)
    html = rendered.html
    if html:
        html += '<p>{}<br><a href="{}">{}</a></p>'.format(escape(line), escape(link), escape(link))
    return replace(rendered, text=rendered.text.rstrip() + "\n\n" + line + "\n" + link + "\n", html=html)


def build_sms(rendered, recipient, bases: dict) -> str:
    unsubscribe = bases["unsubscribe"].replace("TOKEN", bases["sign"][UNSUBSCRIBE](recipient.id))
    return rendered.text.strip() + "\n" + _footer(rendered.language)["sms"].replace("URL", unsubscribe)


def link_bases() -> dict:
    """The job's tracking URLs (``TOKEN`` replaced per recipient) and its token makers, one per
    purpose (:func:`plugins.marketing.tracking.token_maker`: the key looked up once per job)."""
    return {"unsubscribe": public_url("marketing.unsubscribe", token="TOKEN"),
            "click": public_url("marketing.click", token="TOKEN"),
            "open": public_url("marketing.open_pixel", token="TOKEN"),
            "sign": {p: token_maker(p) for p in (UNSUBSCRIBE, CLICK, OPEN)}}


# What a template may read that differs between recipients: a text using neither renders the
# same for all the customers of its language, so it is rendered once per job and language.
PERSONAL_NAMES = frozenset({"customer", "survey_url"})


def _render(templates: dict, key: str, customer, variables: dict):
    """The rendered message for ``customer``: shared by every recipient of the language when
    the text does not read the customer or their survey link (``templates`` caches the
    template rows and those shared renderings for the job)."""
    from core.messaging import render_message
    from core.messaging.templates import choose_text, get_template, names_used

    if key not in templates:
        templates[key] = get_template(key)
    template = templates[key]
    shared_key = (key, customer.preferred_language)
    if shared_key not in templates:
        text = choose_text(template, customer.preferred_language)
        templates[shared_key] = None
        if text is not None and not names_used(text) & PERSONAL_NAMES:
            templates[shared_key] = render_message(template, None, {}, language=text.language)
    return templates[shared_key] or render_message(template, customer, variables)


def _render_all(templates: dict, campaign: Campaign, todo: list) -> dict:
    """``{recipient id: rendered message, or None when the template failed}``, rendered a
    (template, language) at a time inside one ``addressee_conventions`` block, so the reader's
    locale is switched once per group instead of once per message; each text is the same as
    rendering the recipients one by one, and the messages keep the batch's order."""
    from core.l10n.context import addressee_conventions
    from core.messaging import TemplateError
    from core.messaging.templates import choose_text, get_template

    groups: dict[tuple, list] = {}
    for item in todo:
        groups.setdefault((template_for(campaign, item[0]), item[1].preferred_language), []).append(item)
    out = {}
    for (key, language), items in groups.items():
        try:
            if key not in templates:
                templates[key] = get_template(key)
            text = choose_text(templates[key], language)
        except TemplateError:
            text = None
        with addressee_conventions(text.language if text is not None else None):
            for recipient, customer, variables, _link in items:
                try:
                    out[recipient.id] = _render(templates, key, customer, variables)
                except TemplateError:
                    out[recipient.id] = None
    return out


def queue_batch(campaign: Campaign, recipients: list, links: LinkBook, bases: dict,
                templates: dict | None = None) -> int:
    """Hand one batch to the outbox (the caller commits); returns how many were queued.

    ``recipients`` are light rows (``id``, ``customer_id``, ``variant``), and their new states
    are written with one ``UPDATE`` per outcome: no ORM object per recipient. The customers
    are read with one query as plain snapshots (``core.messaging.addressee``), and messages
    go in with ``core.messaging.queue_messages`` — the outbox's own checks (consent at this
    very moment, address, size) per message, one query and one INSERT per batch.
    ``templates`` caches, for the job, the template rows by key and the renderings shared
    by a language's recipients (:func:`_render`). The customer's history gets its campaign
    entry at the first thing they do (:mod:`plugins.marketing.tracking`), not here: a
    100,000-recipient campaign would otherwise write and announce 100,000 history events
    while queuing.
    """
    from core.messaging import MessageInputError, queue_messages
    from core.messaging.addressee import load_addressees
    from core.messaging.models import OutboxMessage
    from plugins.marketing.surveys import response_for, survey_url

    templates = {} if templates is None else templates
    customers = load_addressees([r.customer_id for r in recipients])
    items, sending, skipped, cuts, todo = [], [], [], {}, []
    with db.session.no_autoflush:
        for recipient in recipients:
            customer = customers.get(recipient.customer_id)
            if customer is None:
                skipped.append((recipient.id, NO_ADDRESS))
                continue
            variables, survey_link = {}, None
            if campaign.survey is not None:
                response = response_for(campaign.survey, customer.id, f"campaign:{campaign.id}",
                                        customer.preferred_language)
                survey_link = variables["survey_url"] = survey_url(response)
            todo.append((recipient, customer, variables, survey_link))
        renderings = _render_all(templates, campaign, todo)
        for recipient, customer, variables, survey_link in todo:
            rendered = renderings[recipient.id]
            if rendered is None:
                skipped.append((recipient.id, FAILED_RENDER))
                continue
            if survey_link and survey_link not in rendered.text:
                rendered = with_survey_link(rendered, survey_link, campaign.survey, customer.preferred_language)
            if campaign.channel == "email":
                subject, text, html, headers = build_email(rendered, recipient, links, bases, cuts)
            else:
                subject, text, html, headers = "", build_sms(rendered, recipient, bases), "", None
            items.append(dict(channel=campaign.channel, customer=customer, subject=subject, body=text, html=html,
                              headers=headers, language=rendered.language, purpose="marketing", source="marketing",
                              ref=f"campaign:{campaign.id}:{recipient.id}",
                              dedupe_key=f"marketing:campaign:{campaign.id}:customer:{customer.id}"))
            sending.append(recipient)
    # PostgreSQL: each new message's outbox id comes back from queue_messages (drawn from the
    # sequence) and the recipients are marked by primary key. SQLite: one UPDATE finding each
    # message by its ref (indexed) is as cheap in process, and reading the ids back is not.
    with_ids = db.session.get_bind().dialect.name == "postgresql"
    queued, before = [], []  # (recipient id, new outbox id); recipients whose outbox row is found by its ref
    for recipient, result in zip(sending, queue_messages(items, with_ids=with_ids)):
        if isinstance(result, MessageInputError):
            skipped.append((recipient.id, NO_CONSENT if "consent" in result.errors else (
                NO_ADDRESS if "to" in result.errors else FAILED_RENDER)))
        elif result is None:  # queued before under the same dedupe key, or queued now without its id
            before.append(recipient.id)
        else:
            queued.append((recipient.id, result))
    if skipped:
        db.session.execute(sa.update(Recipient.__table__).where(Recipient.__table__.c.id == sa.bindparam("rid"))
                           .values(status=SKIPPED, skip_reason=sa.bindparam("reason")),
                           [{"rid": rid, "reason": reason} for rid, reason in skipped])
    now = utcnow()
    if queued:  # with the outbox rows' ids (bounce reports name the message)
        mark_queued(queued, now)
    if before:  # one statement, each recipient's outbox row found by its ref ("campaign:<id>:<recipient id>")
        r, o = Recipient.__table__, OutboxMessage.__table__
        ref = sa.literal(f"campaign:{campaign.id}:", sa.String) + sa.cast(r.c.id, sa.String)
        db.session.execute(sa.update(r).where(r.c.id.in_(before)).values(
            status=QUEUED, queued_at=now,
            outbox_id=sa.select(o.c.id).where(o.c.ref == ref).order_by(o.c.id.desc()).limit(1).scalar_subquery()))
    return len(queued) + len(before)


def mark_queued(pairs: list[tuple[int, int]], now) -> None:
    """PostgreSQL: recipients ``(id, outbox id)`` queued — state, time and message written by
    primary key in one ``UPDATE … FROM unnest(ids, outbox ids)`` per batch (an
    ``executemany`` there is one statement per row, and the correlated lookup of each
    message by its ref was the costliest statement in a profile of a 100,000 run); the ``= ANY(ids)`` lets the
    planner find the batch by primary key instead of hashing the whole table to join it."""
    db.session.execute(sa.text(
        "UPDATE marketing_recipient SET status = :status, queued_at = :now, outbox_id = v.outbox_id "
        "FROM unnest(CAST(:rids AS integer[]), CAST(:oids AS integer[])) AS v(id, outbox_id) "
        "WHERE marketing_recipient.id = v.id AND marketing_recipient.id = ANY(CAST(:rids AS integer[]))"),
        {"status": QUEUED, "now": now, "rids": [rid for rid, _ in pairs], "oids": [oid for _, oid in pairs]})


def withdraw_queued(campaign: Campaign) -> int:
    """Take the campaign's still-queued messages back out of the outbox
    (``core.messaging.cancel_messages``) and mark their recipients skipped as *withdrawn*;
    messages a worker has already claimed or sent stay as they are. Returns how many."""
    from core.messaging import cancel_messages
    from core.messaging.models import CANCELLED as OUTBOX_CANCELLED
    from core.messaging.models import OutboxMessage

    mine = sa.select(Recipient.outbox_id).where(Recipient.campaign_id == campaign.id, Recipient.status == QUEUED,
                                                Recipient.outbox_id.is_not(None))
    withdrawn = cancel_messages(mine)
    if withdrawn:
        db.session.execute(
            sa.update(Recipient).where(
                Recipient.campaign_id == campaign.id, Recipient.status == QUEUED,
                sa.exists().where(OutboxMessage.id == Recipient.outbox_id, OutboxMessage.status == OUTBOX_CANCELLED))
            .values(status=SKIPPED, skip_reason=WITHDRAWN).execution_options(synchronize_session=False))
    return withdrawn


# -- the job ----------------------------------------------------------------------------------


def _progress_counts(campaign_id: int) -> tuple[int, int]:
    done, total = db.session.execute(
        sa.select(sa.func.count().filter(Recipient.status != PENDING), sa.func.count())
        .where(Recipient.campaign_id == campaign_id)).one()
    return done, total


RecipientRow = __import__("collections").namedtuple("RecipientRow", "id customer_id variant")


def send_campaign(job, campaign_id: int) -> str:
    """The job: write recipients, then queue them batch by batch until none is pending."""
    from core.messaging.models import OutboxMessage

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.state != SENDING:
        return _("The campaign is not being sent.")
    materialise(campaign)
    done, total = _progress_counts(campaign.id)
    job.progress(done, total, _("Recipients listed."))  # commits the recipients
    links, bases, templates = LinkBook(campaign), link_bases(), {}
    # With a rate, one batch a second (rate / 60 messages): a smooth flow, and Pause acts within a second.
    batch_size = max(1, min(BATCH, campaign.rate_per_minute // 60)) if campaign.rate_per_minute else BATCH
    last = 0  # keyset: a batch's recipients all leave "pending", so the next batch starts after it
    analysed = done  # the outbox's statistics, retaken as this campaign doubles what they counted
    while True:
        db.session.refresh(campaign)
        if campaign.state != SENDING:
            if campaign.state == CANCELLED:  # what the last batch queued while Cancel was pressed
                withdraw_queued(campaign)
                db.session.commit()
            return _("Stopped: the campaign was paused or cancelled.")
        started = time.monotonic()
        batch = [RecipientRow(*row) for row in db.session.execute(
            sa.select(Recipient.id, Recipient.customer_id, Recipient.variant)
            .where(Recipient.campaign_id == campaign.id, Recipient.status == PENDING, Recipient.id > last,
                   ab_waiting(campaign))
            .order_by(Recipient.id).limit(batch_size)).all()]
        if not batch:
            break
        last = batch[-1].id
        queue_batch(campaign, batch, links, bases, templates)
        done += len(batch)  # counted here: a COUNT per batch would rescan a large campaign each time
        if refresh_statistics(OutboxMessage.__tablename__, done - analysed, 1.0):
            analysed = done
        job.progress(done, total)  # commits the batch: the messages and the recipients' states together
        if campaign.rate_per_minute:
            _pace(job, done, total, started, len(batch) * 60.0 / campaign.rate_per_minute)
    rest = db.session.execute(sa.select(sa.func.count()).select_from(Recipient).where(
        Recipient.campaign_id == campaign.id, Recipient.status == PENDING)).scalar()
    if rest and campaign.ab_winner is None and campaign.ab_template_key:
        change_state(campaign, "state", SENDING, state=TESTING, ab_sample_done_at=utcnow())
        db.session.commit()
        return ngettext("A/B sample sent; the winner goes to %(num)d more recipient after the test.",
                        "A/B sample sent; the winner goes to %(num)d more recipients after the test.", rest)
    change_state(campaign, "state", SENDING, state=DONE, finished_at=utcnow())
    queued = db.session.execute(sa.select(sa.func.count()).select_from(Recipient).where(
        Recipient.campaign_id == campaign.id, Recipient.status == QUEUED)).scalar()
    db.session.commit()
    return ngettext("%(num)d message queued.", "%(num)d messages queued.", queued)


def _pace(job, done, total, started, seconds) -> None:
    """Wait until the batch's share of the rate has passed, still answering Cancel each second."""
    while (left := seconds - (time.monotonic() - started)) > 0:
        time.sleep(min(1.0, left))
        job.progress(done, total)


def ab_rates(campaign_id: int, metric: str) -> dict[str, tuple[int, int]]:
    """``{"a": (reached, sent), "b": (...)}``: opens or clicks per variant of the sample."""
    column = Recipient.clicked_at if metric == "clicks" else Recipient.opened_at
    rows = db.session.execute(sa.select(Recipient.variant, sa.func.count(column), sa.func.count()).where(
        Recipient.campaign_id == campaign_id, Recipient.variant != "", Recipient.status == QUEUED)
        .group_by(Recipient.variant)).all()
    out = {"a": (0, 0), "b": (0, 0)}
    out.update({v: (reached, sent) for v, reached, sent in rows})
    return out


def pick_winner(campaign: Campaign, user=None) -> str | None:
    """End the test: the variant with the higher rate (A on a tie) goes to the rest. Returns the
    winner, or None when another worker or a person decided first."""
    from core.jobs import start_job

    rates = ab_rates(campaign.id, campaign.ab_metric)
    rate = {v: (reached / sent if sent else 0.0) for v, (reached, sent) in rates.items()}
    winner = "b" if rate["b"] > rate["a"] else "a"
    if not change_state(campaign, "state", TESTING, state=SENDING, ab_winner=winner):
        return None
    campaign.job_id = start_job("marketing.send_campaign", {"campaign_id": campaign.id}, user=user,
                                message=_("Campaign “%(name)s”", name=campaign.name)).id
    return winner


def decide_ab_tests(now=None) -> int:
    """Every minute: campaigns whose A/B test has run its time get their winner sent to the rest."""
    now = now or utcnow()
    waiting = db.session.execute(sa.select(Campaign).where(Campaign.state == TESTING)).scalars().all()
    decided = 0
    for campaign in waiting:
        if campaign.ab_sample_done_at and campaign.ab_sample_done_at + timedelta(hours=campaign.ab_wait_hours) <= now:
            decided += pick_winner(campaign) is not None
    db.session.commit()
    return decided


def start_due_campaigns() -> int:
    """Every minute: start scheduled campaigns whose time has come (each once: the state
    change is conditional, so two workers' schedulers cannot both start it)."""
    from plugins.marketing.campaigns import start_sending

    due = db.session.execute(sa.select(Campaign).where(Campaign.state == SCHEDULED,
                                                       Campaign.scheduled_at <= utcnow())).scalars().all()
    started = 0
    for campaign in due:
        if start_sending(campaign, user=None, expected=(SCHEDULED,)):
            started += 1
    db.session.commit()
    return started


__all__ = ["send_campaign", "start_due_campaigns", "materialise", "CANCELLED"]
