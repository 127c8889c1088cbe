"""The password rule: one function used by the CLI, the admin form, the profile and any API.

A password is accepted when it

* has at least ``PASSWORD_MIN_LENGTH`` characters (10 unless configured), not counting
  spaces at either end, and at most ``PASSWORD_MAX_LENGTH`` (1024);
* does not contain the account's email address, its local part or the user's name;
* is not easy to guess: zxcvbn (Dropbox's estimator, maintained as the ``zxcvbn``
  package) scores it at least ``PASSWORD_MIN_SCORE`` (3 of 4 unless configured). zxcvbn
  knows the common-password lists, dictionary words, names, keyboard walks, repeats,
  sequences, dates and l33t substitutions, so ``password12``, ``aaaaaaaaaa``,
  ``qwertyuiop`` and ``P@ssw0rd123`` fail while a few unrelated words pass.

zxcvbn looks at the first 72 characters (its own limit): a long passphrase whose first
72 characters are strong is strong.
"""
from __future__ import annotations

import re

from flask import current_app, has_app_context
from flask_babel import gettext as _
from wtforms.validators import ValidationError
from zxcvbn import zxcvbn

DEFAULT_MIN_LENGTH, DEFAULT_MIN_SCORE, MAX_LENGTH = 10, 3, 1024
ZXCVBN_MAX = 72


class PasswordPolicyError(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


def min_length() -> int:
    return _setting("PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH)


def _personal_words(email: str, name: str) -> list[str]:
    """What must not appear in the password: the email, its parts, the name's parts."""
    email = (email or "").strip().casefold()
    words = [email] if email else []
    local, _at, domain = email.partition("@")
    words += [w for w in re.split(r"[^\w]+", local) + [local] if len(w) >= 3]
    words += [w for w in re.split(r"[^\w]+", (name or "").casefold()) if len(w) >= 3]
    if domain:
        words += [w for w in domain.split(".")[:-1] if len(w) >= 3]
    return list(dict.fromkeys(words))


def password_problems(password: str | None, *, email: str = "", name: str = "") -> list[str]:
    """Every reason ``password`` is refused (translated), or ``[]`` when it is acceptable."""
    password = password or ""
    if not password.strip():
        return [_("Enter a password.")]
    if len(password) > MAX_LENGTH:
        return [_("At most %(n)d characters.", n=MAX_LENGTH)]
    problems = []
    n = min_length()
    if len(password.strip()) < n:
        problems.append(_("At least %(n)d characters.", n=n))
    folded = password.casefold()
    personal = _personal_words(email, name)
    local = (email or "").strip().casefold().partition("@")[0]
    if email and (email.strip().casefold() in folded or (len(local) >= 3 and local in folded)):
        problems.append(_("The password must not contain your email address."))
    elif not problems:
        result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=personal, max_length=ZXCVBN_MAX)
        if result["score"] < _setting("PASSWORD_MIN_SCORE", DEFAULT_MIN_SCORE):
            problems.append(_("This password is too easy to guess: it is a common password, a word, a name or a "
                              "simple pattern. A few unrelated words make a strong one."))
    return problems


def check_password(password: str | None, *, email: str = "", name: str = "") -> None:
    """Raise :class:`PasswordPolicyError` with the reasons when ``password`` is refused."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise PasswordPolicyError(problems)


def policy_hint() -> str:
    """The rule in one sentence, shown under password fields."""
    return _("At least %(n)d characters; not your email, not a common password or a simple pattern.",
             n=min_length())


class PasswordPolicy:
    """WTForms validator applying :func:`password_problems`.

    ``email`` and ``name`` are callables taking the form, so the admin form checks
    against the email being typed and the profile against the user's own.
    """

    def __init__(self, email=lambda form: "", name=lambda form: ""):
        self.email, self.name = email, name

    def __call__(self, form, field):
        problems = password_problems(field.data, email=self.email(form) or "", name=self.name(form) or "")
        if problems:
            raise ValidationError(" ".join(problems))
