"""IMAP polling (`rapport mail-in`) against a real Dovecot on a loopback port.

Dovecot comes from Debian (`dovecot-imapd`; .ci/run installs it). Without it the test is
skipped with the reason, unless RAPPORT_REQUIRE_IMAP=1 (CI), where it fails instead.
"""
from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db
from core.messaging.models import InboundMail
from core.testing import _free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@pytest.fixture
def imap_server():
    if not os.path.exists(DOVECOT):
        if os.environ.get("RAPPORT_REQUIRE_IMAP") == "1":
            pytest.fail("RAPPORT_REQUIRE_IMAP=1 but dovecot is not installed (apt-get install dovecot-imapd)")
        pytest.skip("IMAP test skipped: dovecot is not installed (apt-get install dovecot-imapd)")
    port = _free_port()
    # Not under pytest's tmp_path: that is private to root, and Dovecot reads mail as "nobody".
    root = Path(tempfile.mkdtemp(prefix="rapport-imap-"))
    root.chmod(0o755)
    (root / "mail").mkdir(parents=True)
    (root / "run").mkdir()
    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    info = pwd.getpwnam(user)
    os.chown(root / "mail", info.pw_uid, info.pw_gid)
    config = root / "dovecot.conf"
    config.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/run
log_path = {root}/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = static
  args = password=s3cret
}}
userdb {{
  driver = static
  args = uid={info.pw_uid} gid={info.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
}}
default_login_user = {user}
default_internal_user = {user}
""")
    subprocess.run([DOVECOT, "-c", str(config)], check=True)
    for _ in range(100):
        try:
            imaplib.IMAP4("127.0.0.1", port).logout()
            break
        except OSError:
            time.sleep(0.1)
    yield {"port": port, "url": f"imap://rapport%40example.com:s3cret@127.0.0.1:{port}/INBOX"}
    subprocess.run([DOVECOT, "-c", str(config), "stop"], check=False)
    shutil.rmtree(root, ignore_errors=True)


def _append(port, raw: bytes):
    box = imaplib.IMAP4("127.0.0.1", port)
    box.login("rapport@example.com", "s3cret")
    box.append("INBOX", None, None, raw)
    box.logout()


def _unseen(port) -> int:
    box = imaplib.IMAP4("127.0.0.1", port)
    box.login("rapport@example.com", "s3cret")
    status, detail = box.select("INBOX")
    assert status == "OK", detail
    count = len(box.search(None, "UNSEEN")[1][0].split())
    box.logout()
    return count


def test_imap_polling_stores_each_message_once_and_marks_it_seen(app, imap_server):
    from core.customers.service import create_customer
    from core.history.models import Interaction
    from core.messaging.mailin import poll_imap

    app.config["IMAP_URL"] = imap_server["url"]
    with app.app_context():
        customer = create_customer({"name": "Ζωή", "emails": ["zoe@example.com"]})
        db.session.commit()
        customer_id = customer.id
    greek = ("From: =?utf-8?b?zpbPic6u?= <zoe@example.com>\r\nTo: support@rapport.test\r\n"
             "Subject: =?utf-8?b?zqDPjM+EzrUgzq3Pgc+HzrXPhM6xzrk7?=\r\nMessage-ID: <imap-1@example.com>\r\n"
             "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
             "Καλημέρα από το IMAP\r\n").encode()
    broken = b"Subject: no sender, no structure\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nbroken"
    _append(imap_server["port"], greek)
    _append(imap_server["port"], broken)
    assert _unseen(imap_server["port"]) == 2
    assert poll_imap(app) == 2
    assert _unseen(imap_server["port"]) == 0
    assert poll_imap(app) == 0  # nothing new: nothing stored twice
    with app.app_context():
        mails = db.session.execute(sa.select(InboundMail).order_by(InboundMail.id)).scalars().all()
        assert [(m.source, m.subject, m.customer_id) for m in mails] == [
            ("imap", "Πότε έρχεται;", customer_id), ("imap", "no sender, no structure", None)]
        entry = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == customer_id)).scalar_one()
        assert entry.body.strip() == "Καλημέρα από το IMAP"


def test_mail_in_once_polls_from_the_command_line(app, imap_server):
    app.config["IMAP_URL"] = imap_server["url"]
    _append(imap_server["port"], b"From: someone@example.net\r\nSubject: cli\r\n\r\nhello\r\n")
    result = app.test_cli_runner().invoke(args=["mail-in", "--once"])
    assert result.exit_code == 0, result.output
    assert "stored 1 message(s) from IMAP" in result.output
    with app.app_context():
        assert db.session.execute(sa.select(InboundMail.subject)).scalars().all() == ["cli"]
