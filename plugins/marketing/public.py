"""Pages a customer reaches from a campaign message, without logging in.

* ``/marketing/u/<token>`` — unsubscribe: a page with one button (GET never changes
  anything: mail scanners follow links), and the RFC 8058 one-click ``POST`` that mail
  programs send from the ``List-Unsubscribe-Post`` header (no CSRF token: the signed token
  is the proof, and the POST only ever withdraws consent);
* ``/marketing/c/<token>`` — a click: redirects to one of the campaign's own links, named
  by id inside the signed token (never a URL from the request);
* ``/marketing/o/<token>.gif`` — the open pixel.

A token that was tampered with, truncated or made for another purpose answers 404.
"""
from __future__ import annotations

import base64

from flask import abort, redirect, render_template, request
from flask import Response

from core.app import csrf
from core.db import db
from core.security import public
from plugins.marketing import tracking
from plugins.marketing.views import bp

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _recipient_id(purpose: str, token: str) -> int:
    found = tracking.read_token(purpose, token)
    if found is None:
        abort(404)
    return found[0]


@bp.route("/u/<token>", methods=["GET", "POST"])
@public
@csrf.exempt
def unsubscribe(token):
    recipient_id = _recipient_id(tracking.UNSUBSCRIBE, token)
    if request.method == "GET":
        from plugins.marketing.models import Recipient

        recipient = db.session.get(Recipient, recipient_id)
        if recipient is None:
            abort(404)
        return render_template("marketing/unsubscribe.html", token=token, done=recipient.unsubscribed_at is not None,
                               channel=recipient.campaign.channel)
    recipient = tracking.unsubscribe(recipient_id)
    if recipient is None:
        abort(404)
    channel = recipient.campaign.channel
    db.session.commit()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return Response("", status=200)
    return render_template("marketing/unsubscribe.html", token=token, done=True, channel=channel)


@bp.get("/c/<token>")
@public
def click(token):
    found = tracking.read_token(tracking.CLICK, token)
    if found is None or found[1] is None:
        abort(404)
    url = tracking.clicked(*found)
    if url is None:
        abort(404)
    db.session.commit()
    return redirect(url, code=302)


@bp.get("/o/<token>.gif")
@public
def open_pixel(token):
    found = tracking.read_token(tracking.OPEN, token)
    if found is not None:
        tracking.opened(found[0])
        db.session.commit()
    return Response(PIXEL, mimetype="image/gif", headers={"Cache-Control": "no-store"})
