"""Admin pages: users, roles (permissions per role) and the Plugins page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.admin.forms import RoleForm, UserForm
from core.auth.models import Role, User
from core.auth.sessions import end_sessions
from core.db import db
from core.plugin_ops import disable_plugin, enable_plugin, plugin_rows
from core.plugins import PluginError
from core.security import requires
from core.web.pagination import BadCursor, keyset_page
from core.web.choices import select_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


# -- plugins -----------------------------------------------------------------------------


@bp.get("/plugins")
@requires("admin.plugins")
def plugins():
    return render_template("admin/plugins.html", rows=plugin_rows())


@bp.post("/plugins/<name>/enable")
@requires("admin.plugins")
def plugin_enable(name: str):
    try:
        newly = enable_plugin(name, user=current_user)
        flash(_("Enabled: %(names)s.", names=", ".join(newly)) if newly else _("Already enabled."), "success")
    except PluginError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.plugins"))


@bp.post("/plugins/<name>/disable")
@requires("admin.plugins")
def plugin_disable(name: str):
    try:
        disable_plugin(name)
        flash(_("Disabled %(name)s. Its data is kept and comes back when you enable it again.", name=name), "success")
    except PluginError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.plugins"))


# -- users -------------------------------------------------------------------------------


def _role_choices():
    return select_choices((r.id, r.name) for r in db.session.execute(sa.select(Role).order_by(Role.name)).scalars())


@bp.get("/users")
@requires("admin.users")
def users():
    try:
        page = keyset_page(db.session, sa.select(User), [User.email, User.id],
                           cursor=request.args.get("cursor"), limit=current_app.config["PAGE_SIZE"])
    except BadCursor:
        abort(400)
    return render_template("admin/users.html", page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("admin.users")
def user_edit(user_id: int | None = None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user, creating=user is None)
    form.roles.choices = _role_choices()
    if request.method == "GET" and user:
        form.roles.data = [r.id for r in user.roles]
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        clash = db.session.execute(sa.select(User.id).where(User.email == email, User.id != (user.id if user else 0))).scalar()
        if clash:
            form.email.errors.append(_("Another user has this email."))
        else:
            if user is None:
                user = User(email=email)
                db.session.add(user)
            user.email, user.name, user.active = email, form.name.data.strip(), form.active.data
            if form.password.data:
                user.set_password(form.password.data)
            if user.id and (form.password.data or not user.active):
                # A new password or a deactivation ends the user's sessions (the admin's own stays).
                end_sessions(user.id, keep=current_user if user.id == current_user.id else None)
            user.roles = list(db.session.execute(sa.select(Role).where(Role.id.in_(form.roles.data or []))).scalars())
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), (422 if form.errors else 200)


# -- roles -------------------------------------------------------------------------------


@bp.get("/roles")
@requires("admin.users")
def roles():
    rows = db.session.execute(sa.select(Role).order_by(Role.name).limit(500)).scalars().all()
    return render_template("admin/roles.html", roles=rows)


@bp.route("/roles/new", methods=["GET", "POST"])
@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@requires("admin.users")
def role_edit(role_id: int | None = None):
    role = db.session.get(Role, role_id) if role_id else None
    if role_id and role is None:
        abort(404)
    registry = current_app.extensions["rapport"].plugins
    form = RoleForm(obj=role)
    form.permissions.choices = select_choices((p.name, f"{p.name} — {p.label}") for p in registry.all_permissions())
    if request.method == "GET" and role:
        form.permissions.data = list(role.permissions or [])
    if role is not None and role.is_admin and request.method == "POST":
        flash(_("The admin role always holds every permission and cannot be changed."), "error")
        return redirect(url_for("admin.roles"))
    if form.validate_on_submit():
        name = form.name.data.strip()
        clash = db.session.execute(sa.select(Role.id).where(Role.name == name, Role.id != (role.id if role else 0))).scalar()
        if clash:
            form.name.errors.append(_("Another role has this name."))
        else:
            if role is None:
                role = Role(name=name)
                db.session.add(role)
            role.name, role.description = name, form.description.data.strip()
            role.permissions = sorted(form.permissions.data or [])
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.roles"))
    return render_template("admin/role_form.html", form=form, role=role), (422 if form.errors else 200)
