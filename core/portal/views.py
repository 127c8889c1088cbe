"""The portal's own pages: home, login and logout, invitations, password reset, magic links,
the account page, the language, and the end of a staff "view as customer".

Nothing here says whether an address has an account: login, reset and magic-link requests
answer the same either way and take the same time (argon2 is checked against a throw-away
hash for unknown addresses).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from core.auth.limits import throttled
from core.db import db, utcnow
from core.portal import accounts, links
from core.portal.forms import (
    ChangePasswordForm, ConfirmForm, DetailsForm, EmailForm, NewPasswordForm, PortalLoginForm, PreferencesForm,
    SignupForm,
)
from core.portal.session import (
    VIEW_AS_HOURS, current_portal, end_account_sessions, end_session, is_portal_path, start_session,
)
from core.portal.settings import signup_enabled
from core.security import portal_login_required, public
from core.web.redirects import safe_target
from core.web.choices import select_choices

bp = Blueprint("portal", __name__, url_prefix="/portal")


# -- rate limits: failed logins per account and per address (as for staff, own counters);
#    link requests per address and per account, so nobody can flood an inbox or probe many
#    addresses (core.auth.limits).

LOGIN_LIMITS = dict(account_limit="LOGIN_ACCOUNT_LIMIT", address_limit="LOGIN_ADDRESS_LIMIT", failed_only=True)
MAIL_LIMITS = dict(account_limit="PORTAL_MAIL_LIMIT", address_limit="PORTAL_MAIL_LIMIT")


def _audit(action: str, account=None, **detail) -> None:
    """A login, failed login or logout in the audit log, as for staff but with the record type
    ``portal.account`` (account changes are audited as changes of the account's row)."""
    try:
        from core.audit import record_event
    except ImportError:  # the audit log is not on this branch yet
        return
    record_event(action, record_type="portal.account", record_id=account.id if account else None,
                 label=account.email if account else detail.get("email"),
                 customer_id=account.customer_id if account else None, detail=detail or None, user_id=None)


def _next_url() -> str:
    """Where to go after logging in: a ``next`` inside the portal, else the portal's home."""
    target = safe_target(request.args.get("next"), url_for("portal.home"))
    return target if is_portal_path(target.split("?")[0]) else url_for("portal.home")


def _log_in(account, via: str = "password") -> None:
    start_session(account.customer_id, account=account)
    account.last_login_at = utcnow()
    _audit("login", account, portal=True, via=via)


# -- home -------------------------------------------------------------------------------------


@bp.get("/")
@portal_login_required
def home():
    from core.portal.pages import home_cards

    return render_template("portal/home.html", cards=home_cards())


# -- logging in and out ----------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@public
@throttled("portal-login", **LOGIN_LIMITS)
def login():
    if current_portal and not current_portal.read_only:
        return redirect(url_for("portal.home"))
    form = PortalLoginForm()
    if form.validate_on_submit():
        account = accounts.authenticate(form.email.data, form.password.data)
        if account is not None:
            _log_in(account)
            db.session.commit()
            return redirect(_next_url())
        _audit("login_failed", portal=True, email=(form.email.data or "").strip().lower()[:254])
        db.session.commit()
        flash(_("Wrong email or password."), "error")
    status = 422 if request.method == "POST" else 200
    return render_template("portal/login.html", form=form, magic_links=current_app.config["PORTAL_MAGIC_LINKS"],
                           signup=signup_enabled()), status


@bp.post("/logout")
@portal_login_required
def logout():
    portal = current_portal._get_current_object()
    if portal.read_only:
        end_session()
        db.session.commit()
        return redirect(url_for("customers.detail", customer_id=portal.customer.id))
    _audit("logout", portal.account, portal=True)
    end_session()
    db.session.commit()
    flash(_("You are logged out."), "success")
    return redirect(url_for("portal.login"))


# -- invitation, reset, magic link ----------------------------------------------------------------


def _choose_password(purpose: str, token: str, template: str, title: str):
    account = links.account_from_token(purpose, token)
    if account is None:
        return render_template("portal/link_invalid.html"), 404
    form = NewPasswordForm(email=account.email, name=account.customer.name)
    if form.validate_on_submit():
        accounts.set_password(account, form.new.data)
        end_account_sessions(account.id)
        _log_in(account, via=purpose)
        db.session.commit()
        flash(_("Your password is set. Welcome!"), "success")
        return redirect(url_for("portal.home"))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, account=account, title=title), status


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
def welcome(token: str):
    """The invitation link: choose a password, then you are in."""
    return _choose_password(links.INVITE, token, "portal/set_password.html", _("Welcome to the customer portal"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _choose_password(links.RESET, token, "portal/set_password.html", _("Choose a new password"))


@bp.route("/reset", methods=["GET", "POST"])
@public
@throttled("portal-mail", **MAIL_LIMITS)
def request_reset():
    return _request_link(accounts.RESET_KIND, _("Forgot your password?"),
                         _("Enter your email address: if it belongs to a portal account, we send a link to choose "
                           "a new password."))


def _request_link(kind: str, title: str, intro: str):
    """Ask for an emailed link: the same answer, and the same work, whether or not the address
    has an account (the lookup and the email happen in a background call)."""
    form = EmailForm()
    if form.validate_on_submit():
        accounts.request_link(kind, form.email.data)
        db.session.commit()
        return render_template("portal/link_sent.html")
    return render_template("portal/request_link.html", form=form, title=title, intro=intro,
                           button=_("Send the link")), 422 if request.method == "POST" else 200


@bp.route("/magic", methods=["GET", "POST"])
@public
@throttled("portal-mail", **MAIL_LIMITS)
def request_magic_link():
    if not current_app.config["PORTAL_MAGIC_LINKS"]:
        abort(404)
    return _request_link(accounts.MAGIC_KIND, _("Log in with an email link"),
                         _("Enter your email address: if it belongs to a portal account, we send a link that logs "
                           "you in once, without a password."))


@bp.route("/magic/<token>", methods=["GET", "POST"])
@public
def magic_login(token: str):
    """A magic link logs in on a button press (POST), not on opening: mail scanners that
    follow links must not use it up."""
    if not current_app.config["PORTAL_MAGIC_LINKS"]:
        abort(404)
    account = links.account_from_token(links.MAGIC, token)
    if account is None:
        return render_template("portal/link_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        links.use_up(account)
        if account.verified_at is None:
            account.verified_at = utcnow()
        _log_in(account, "link")
        db.session.commit()
        return redirect(url_for("portal.home"))
    return render_template("portal/magic.html", form=form, account=account)


# -- self sign-up (when the business turns it on: Administration → Portal accounts) -----------------


@bp.route("/signup", methods=["GET", "POST"])
@public
@throttled("portal-mail", **MAIL_LIMITS)
def signup():
    if not signup_enabled():
        abort(404)
    form = SignupForm()
    if form.validate_on_submit():
        try:
            accounts.request_link(accounts.SIGNUP_KIND, form.email.data, name=form.name.data,
                                  language=str(get_locale()))
        except accounts.PortalInputError as exc:
            form.email.errors = list(form.email.errors) + exc.errors.get("email", [])
            return render_template("portal/signup.html", form=form), 422
        db.session.commit()
        return render_template("portal/link_sent.html")
    return render_template("portal/signup.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/signup/<token>", methods=["GET", "POST"])
@public
def verify(token: str):
    """The sign-up link: the address is confirmed; choose a password and the account exists."""
    if not signup_enabled():
        abort(404)
    signup = accounts.signup_from_token(token)
    if signup is None:
        return render_template("portal/link_invalid.html"), 404
    form = NewPasswordForm(email=signup["email"], name=signup["name"])
    if form.validate_on_submit():
        account = accounts.complete_signup(signup, form.new.data, str(get_locale()))
        _log_in(account, "signup")
        db.session.commit()
        flash(_("Your account is ready. Welcome!"), "success")
        return redirect(url_for("portal.home"))
    return render_template("portal/set_password.html", form=form, account=signup,
                           title=_("Welcome to the customer portal")), 422 if request.method == "POST" else 200


# -- account --------------------------------------------------------------------------------------


@bp.get("/account")
@portal_login_required
def account():
    return _account_page()


def _account_page(*, password_form=None, details_form=None, preferences_form=None, status=200):
    from core.portal import changes

    portal = current_portal._get_current_object()
    customer = portal.customer
    if details_form is None:
        pending = changes.pending_change(customer.id)
        details = pending.after if pending else changes.details_of(customer)
        details_form = DetailsForm(formdata=None, data={
            "name": details["name"], "emails": "\n".join(details["emails"]), "phones": "\n".join(details["phones"]),
            "addresses": details["addresses"] + [{}]})
    if preferences_form is None:
        consents = changes.consents_of(customer)
        preferences_form = PreferencesForm(formdata=None, consent_email=consents.get("email"),
                                           consent_sms=consents.get("sms"),
                                           language=customer.preferred_language or str(get_locale()))
    preferences_form.language.choices = select_choices(current_app.config["LANGUAGES"].items())
    return render_template("portal/account.html", password_form=password_form or _password_form(),
                           details_form=details_form, preferences_form=preferences_form,
                           pending=changes.pending_change(customer.id)), status


@bp.post("/account/details")
@portal_login_required
def submit_details():
    from core.portal import changes

    portal = current_portal._get_current_object()
    form = DetailsForm()
    if form.validate_on_submit():
        data = {"name": form.name.data,
                "emails": [line.strip() for line in (form.emails.data or "").splitlines() if line.strip()],
                "phones": [line.strip() for line in (form.phones.data or "").splitlines() if line.strip()],
                "addresses": [dict(entry.data) for entry in form.addresses]}
        try:
            change = changes.submit(portal.customer, data, account_id=portal.account.id if portal.account else None)
            db.session.commit()
        except changes.ChangeError as exc:
            db.session.rollback()
            for field_name, messages in exc.errors.items():
                target = getattr(form, field_name, None) or form.name
                target.errors = list(target.errors) + list(messages)
            return _account_page(details_form=form, status=422)
        flash(_("Thank you: we check your new details and update them shortly.") if change
              else _("Your details are unchanged."), "success")
        return redirect(url_for("portal.account"))
    return _account_page(details_form=form, status=422)


@bp.post("/account/preferences")
@portal_login_required
def set_preferences():
    from core.portal import changes

    portal = current_portal._get_current_object()
    form = PreferencesForm()
    form.language.choices = select_choices(current_app.config["LANGUAGES"].items())
    if not form.validate_on_submit():
        return _account_page(preferences_form=form, status=422)
    changes.set_preferences(portal.customer, consents={"email": form.consent_email.data, "sms": form.consent_sms.data},
                            language=form.language.data)
    session["lang"] = form.language.data
    db.session.commit()
    flash(_("Your choices are saved."), "success")
    return redirect(url_for("portal.account"))


def _password_form(formdata=None):
    portal = current_portal._get_current_object()
    email = portal.account.email if portal.account else ""
    return ChangePasswordForm(formdata=formdata, email=email, name=portal.customer.name)


@bp.post("/account/password")
@portal_login_required
def change_password():
    portal = current_portal._get_current_object()
    if portal.account is None:
        abort(404)
    form = _password_form(request.form)
    if form.validate_on_submit():
        if not portal.account.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            accounts.set_password(portal.account, form.new.data)
            end_account_sessions(portal.account.id, keep=portal.session_row)
            db.session.commit()
            flash(_("Your password was changed."), "success")
            return redirect(url_for("portal.account"))
    return _account_page(password_form=form, status=422)


@bp.post("/language")
@public
def set_language():
    """The language of the portal: kept in the portal cookie (the login page) and, once
    logged in, as the customer's preferred language (emails follow it too)."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        portal = current_portal._get_current_object()
        if portal is not None and not portal.read_only and portal.customer.preferred_language != lang:
            from core.customers.service import update_customer

            update_customer(portal.customer, {"preferred_language": lang})
            db.session.commit()
    target = safe_target(request.form.get("next"), url_for("portal.home"))
    return redirect(target if is_portal_path(target.split("?")[0]) else url_for("portal.home"))


# -- staff "view as customer" ------------------------------------------------------------------


@bp.get("/view-as/<token>")
@public
def view_as(token: str):
    """Where the staff page sends its viewer: a signed, two-minute hand-over to a read-only
    portal session for that customer (the staff cookie is never read under /portal)."""
    from datetime import timedelta

    from core.auth.models import User
    from core.customers.models import Customer

    payload = links.read_token(links.VIEW_AS, token)
    staff = db.session.get(User, payload.get("u")) if payload and isinstance(payload.get("u"), int) else None
    customer = db.session.get(Customer, payload.get("c")) if payload and isinstance(payload.get("c"), int) else None
    if staff is None or customer is None or not staff.active:
        return render_template("portal/link_invalid.html"), 404
    start_session(customer.id, staff_user_id=staff.id, lifetime=timedelta(hours=VIEW_AS_HOURS))
    db.session.commit()
    flash(_("You see the portal as %(name)s sees it. Nothing can be changed here.", name=customer.name), "info")
    return redirect(url_for("portal.home"))
