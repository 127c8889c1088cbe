"""Login, logout, password change and the user's own profile with API tokens."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from core.audit import record_event
from core.audit.models import LOGIN, LOGIN_FAILED, LOGOUT
from core.auth.limits import throttled
from core.auth.forms import LoginForm, PasswordForm, PreferencesForm, TokenForm
from core.auth.models import ApiToken, User, verify_nothing
from core.auth.sessions import end_session, end_sessions, live_sessions, start_session
from core.db import db, utcnow
from core.security import login_required, public
from core.web.redirects import safe_target

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    return safe_target(target, url_for("web.dashboard"))


@bp.route("/login", methods=["GET", "POST"])
@public
@throttled("login", account_limit="LOGIN_ACCOUNT_LIMIT", address_limit="LOGIN_ADDRESS_LIMIT", failed_only=True)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            verify_nothing(form.password.data)  # unknown emails cost the same time as known ones
        if user is not None and user.check_password(form.password.data) and user.active:
            session.clear()
            start_session(user)
            login_user(user)
            user.last_login_at = utcnow()
            record_event(LOGIN, record_type="user", record_id=user.id, label=user.email)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        reason = "unknown_email" if user is None else ("inactive" if not user.active else "wrong_password")
        record_event(LOGIN_FAILED, record_type="user", record_id=user.id if user else None, label=email,
                     detail={"email": email, "reason": reason}, user_id=None)
        db.session.commit()
        flash(_("Wrong email or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    record_event(LOGOUT, record_type="user", record_id=current_user.id, label=current_user.email)
    end_session(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _tokens() -> list[ApiToken]:
    """The user's own API tokens, newest first (the profile page lists them)."""
    return db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc()).limit(100)
    ).scalars().all()


@bp.post("/profile/sessions/end-all")
@login_required
def end_all_sessions():
    """"Log out everywhere": every session of this user ends, this one included."""
    end_sessions(current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You were logged out everywhere."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET"])
@login_required
def profile():
    tokens = _tokens()
    return render_template(
        "auth/profile.html", password_form=PasswordForm(), token_form=TokenForm(), tokens=tokens,
        new_token=session.pop("new_token", None), preferences_form=_preferences_form(),
        sessions=live_sessions(current_user),
    )


def _preferences_form(formdata=None) -> PreferencesForm:
    form = PreferencesForm(formdata=formdata) if formdata is not None else PreferencesForm(formdata=None)
    if formdata is None:
        from flask_babel import get_locale

        form.ui_language.data = current_user.ui_language or str(get_locale())
        form.timezone.data = current_user.timezone or ""
        form.calendar.data = current_user.calendar or ""
    return form


@bp.post("/profile/preferences")
@login_required
def save_preferences():
    form = _preferences_form(request.form)
    if form.validate_on_submit():
        current_user.ui_language = form.ui_language.data
        session["lang"] = form.ui_language.data
        current_user.timezone = form.timezone.data or None
        current_user.calendar = form.calendar.data or None
        db.session.commit()
        flash(_("Your preferences were saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", password_form=PasswordForm(), token_form=TokenForm(), tokens=_tokens(),
                           preferences_form=form, sessions=live_sessions(current_user)), 422


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            current_user.set_password(form.new.data)
            ended = end_sessions(current_user.id, keep=current_user)
            db.session.commit()
            flash(_("Your password was changed."), "success")
            if ended:
                flash(ngettext("%(num)d other session was logged out.", "%(num)d other sessions were logged out.",
                               ended), "info")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", password_form=form, token_form=TokenForm(), tokens=_tokens(),
                           preferences_form=_preferences_form(), sessions=live_sessions(current_user)), 422


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name (at most 100 characters)."), "error")
        return redirect(url_for("auth.profile"))
    _row, clear = ApiToken.issue(current_user, form.name.data.strip())
    db.session.commit()
    # Shown once, on the next page only; never logged.
    session["new_token"] = clear
    return redirect(url_for("auth.profile"))


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        from flask import abort

        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.profile"))
