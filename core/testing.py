"""Pytest fixtures for Rapport and its plugins (a pytest plugin: ``core.testing``).

In the style of Flask's tutorial: every test gets its own app, built with exactly
the plugins it names, on a fresh database::

    @pytest.mark.plugins("sales")
    def test_pipeline(client, login): ...

    def test_other(make_app):
        app = make_app("sales", "service")

The database is SQLite in a temporary folder, or PostgreSQL when
``TEST_DATABASE_URL`` (or a PostgreSQL ``DATABASE_URL``) is set. Migrations run
once per set of plugins into a template database that each test copies, so a
test pays for a file copy (SQLite) or ``CREATE DATABASE ... TEMPLATE`` (PostgreSQL).
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

ADMIN_EMAIL = "admin@example.com"
PASSWORD = "correct horse battery"


def _pg_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return _psycopg(url) if url.startswith(("postgres://", "postgresql")) else None


def _psycopg(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _with_db(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


class DatabaseFactory:
    """Makes fresh databases from per-plugin-set templates."""

    def __init__(self, tmp_root):
        self.tmp_root = tmp_root
        self.pg = _pg_base_url()
        self.templates: dict[tuple, str] = {}
        self.counter = itertools.count()
        self.created: list[str] = []
        self.run_id = uuid.uuid4().hex[:6]
        self._admin = None

    def _admin_engine(self):
        """One engine for CREATE/DROP DATABASE; NullPool so no idle connection lingers."""
        if self._admin is None:
            self._admin = sa.create_engine(_with_db(self.pg, "postgres"), isolation_level="AUTOCOMMIT",
                                           poolclass=sa.pool.NullPool)
        return self._admin

    def _build_template(self, key, plugins, extra):
        from core.app import create_app
        from core.db import db
        from core.plugin_ops import initialise_database

        tag = hashlib.sha1(repr(key).encode()).hexdigest()[:10]
        if self.pg:
            name = f"rapport_tpl_{self.run_id}_{tag}"
            with self._admin_engine().connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            self.created.append(name)
            url = _with_db(self.pg, name)
        else:
            path = self.tmp_root / f"template-{tag}.db"
            url = f"sqlite:///{path}"
        app = create_app(_test_config(url, self.tmp_root, extra))
        with app.app_context():
            initialise_database(enable=list(plugins))
            from core.auth.service import create_user

            create_user(ADMIN_EMAIL, PASSWORD, name="Admin", roles=["admin"])
            db.session.remove()
            db.engine.dispose()
        return url if not self.pg else name

    def new_database(self, plugins, extra) -> str:
        key = (tuple(sorted(plugins)), tuple(sorted(getattr(m, "__name__", str(m)) for m in extra)))
        if key not in self.templates:
            self.templates[key] = self._build_template(key, plugins, extra)
        template = self.templates[key]
        n = next(self.counter)
        if self.pg:
            name = f"rapport_t_{self.run_id}_{n}"
            with self._admin_engine().connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            self.created.append(name)
            return _with_db(self.pg, name)
        src = sa.engine.make_url(template).database
        dst = self.tmp_root / f"test-{n}.db"
        shutil.copyfile(src, dst)
        return f"sqlite:///{dst}"

    def drop(self, url: str) -> None:
        if self.pg:
            name = sa.engine.make_url(url).database
            with self._admin_engine().connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.created.remove(name)

    def close(self):
        if self.pg:
            with self._admin_engine().connect() as conn:
                for name in list(self.created):
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._admin.dispose()


def _test_config(url: str, tmp, extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "RAPPORT_EXTRA_PLUGINS": list(extra),
        "SERVER_NAME": None,
        # Each test's queue is its own SQLite file in the test's folder, whatever the environment says.
        "REDIS_URL": None,
        "JOBS_SQLITE_PATH": str(tmp / "queue.db"),
    }


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture
def make_app(database_factory, tmp_path):
    """``make_app(*plugins, extra=[modules], **config)``: a new app on a fresh database."""
    made = []

    def _make(*plugins, extra=(), **config):
        from core.app import create_app

        url = database_factory.new_database(plugins, extra)
        cfg = _test_config(url, tmp_path, extra)
        cfg.update(config)
        app = create_app(cfg)
        made.append((app, url))
        return app

    yield _make
    from core.db import db

    for app, url in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        database_factory.drop(url)


@pytest.fixture
def app(make_app, request):
    marker = request.node.get_closest_marker("plugins")
    plugins = marker.args if marker else ()
    extra = marker.kwargs.get("extra", ()) if marker else ()
    return make_app(*plugins, extra=extra)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app):
    """``run_jobs()`` runs every message waiting in the test app's queue (jobs started and
    committed, event deliveries handed to workers) here and now, as a worker would, and
    returns how many ran. ``run_jobs(other_app)`` drains another app's queue;
    ``run_jobs(later=60)`` also runs what is scheduled within the next 60 seconds (retries)."""

    def _run(target=None, *, later: float = 0):
        from datetime import timedelta

        from core.db import utcnow
        from core.jobs.queue import queue

        return queue(target or app).drain(now=utcnow() + timedelta(seconds=later) if later else None)

    return _run


class QueryLog:
    """The SQL statements run while a ``count_queries`` block was open (``len()``, ``.statements``)."""

    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:  # what pytest prints when an assertion about the count fails
        listing = "\n".join(f"  {i + 1:>3}. {' '.join(s.split())[:160]}" for i, s in enumerate(self.statements))
        return f"<{len(self)} statements>\n{listing}"


@contextmanager
def count_queries(app):
    """Count the SQL statements the app's database engine runs inside the block.

    Every statement counts, whichever session or connection runs it (the request's
    own, the login check, a hook's), so a page that loads one row per item — an N+1 —
    shows up as a count that grows with the rows. Savepoint bookkeeping is left out::

        with count_queries(app) as q:
            client.get("/customers/")
        assert len(q) <= 12, q
    """
    from core.db import db

    log = QueryLog()

    def _record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            log.statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _record)
    try:
        yield log
    finally:
        sa.event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture
def query_counter(app):
    """``with query_counter() as q: client.get(url)`` — ``count_queries`` on the test's ``app``
    (``query_counter(other_app)`` for another one)."""
    return lambda target=None: count_queries(target or app)


def assert_queries_constant(counter, fetch, grow, *, limit: int | None = None) -> int:
    """Guard a page against N+1 queries: the statements ``fetch()`` runs must not change after
    ``grow()`` adds rows, and must stay within ``limit``. Returns the count.

    ``fetch`` is called once before each count, to warm what a process caches (settings,
    stages, the plugin list) and to take the once-a-minute "last used" writes of sessions
    and API tokens, so that only per-row work can make the two counts differ::

        assert_queries_constant(query_counter, lambda: client.get("/customers/"), lambda: add(27), limit=15)
    """
    def once() -> QueryLog:
        with counter() as q:
            response = fetch()
        status = getattr(response, "status_code", 200)
        assert status == 200, f"the page answered {status}"
        return q

    fetch()
    small = once()
    assert len(small), "no statement counted: does the counter watch the app that served the page?"
    grow()
    fetch()  # again right before counting: a session's or token's "last used" write is not per-row work
    large = once()
    assert len(large) == len(small), (
        f"the statement count grew with the rows: {len(small)} -> {len(large)}\nbefore: {small!r}\nafter: {large!r}")
    if limit is not None:
        assert len(large) <= limit, f"{len(large)} statements, more than the bound of {limit}: {large!r}"
    return len(large)


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


def login_client(client, email=ADMIN_EMAIL, password=PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, f"login as {email} failed"
    return client


@pytest.fixture
def login(client):
    """``login()`` logs the test client in as the admin; ``login(email)`` as another user."""

    def _login(email=ADMIN_EMAIL, password=PASSWORD):
        client.post("/logout")
        return login_client(client, email, password)

    return _login


@pytest.fixture
def make_user(app):
    """``make_user("a@x.com", permissions=[...], roles=[...])`` → user id (password: PASSWORD)."""
    from core.auth.models import Role, User
    from core.db import db

    def _make(email, *, permissions=(), roles=(), name=""):
        with app.app_context():
            role_objs = list(db.session.execute(sa.select(Role).where(Role.name.in_(list(roles)))).scalars()) if roles else []
            assert len(role_objs) == len(roles), f"unknown role among {roles}"
            if permissions:
                role = Role(name=f"test-{email}", permissions=list(permissions))
                db.session.add(role)
                role_objs.append(role)
            user = User(email=email, name=name or email.split("@")[0], roles=role_objs)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            return user.id

    return _make


@pytest.fixture
def token_for(app):
    """``token_for(email)`` → ``{"Authorization": "Bearer ..."}`` for that user."""
    from core.auth.models import ApiToken, User
    from core.db import db

    def _token(email=ADMIN_EMAIL):
        with app.app_context():
            user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
            _row, clear = ApiToken.issue(user, "test")
            db.session.commit()
            return {"Authorization": f"Bearer {clear}"}

    return _token


def audit_entries(app, **where) -> list[dict]:
    """The audit log's entries matching ``where`` (column == value), oldest first, as dicts.

    ``audit_entries(app, record_type="hello.note", action="create")`` — for plugin tests
    checking that their records are audited (see docs/plugins.md).
    """
    from core.audit.models import AuditEntry
    from core.db import db

    with app.app_context():
        stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, column) == value)
        return [{c.name: getattr(row, c.name) for c in AuditEntry.__table__.columns}
                for row in db.session.execute(stmt).scalars()]


# -- Redis: a throw-away server for tests of the Redis-backed paths ---------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """``redis://127.0.0.1:<port>/0`` of a private ``redis-server`` (Debian's package) for this
    test session; ``TEST_REDIS_URL`` uses a running one instead. Skipped without a server,
    except in CI (``CI=true``), where a missing Redis fails."""
    import socket
    import subprocess
    import time

    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server")
                                              else None)
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI (apt-get install redis-server)", pytrace=False)
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start", pytrace=False)
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


# -- browser tests: a live server and headless Chromium through Playwright ------------------
#
# ``live_server`` serves the test's ``app`` (built from the ``plugins`` marker, CSRF on) over
# HTTP on a free loopback port; ``browser_page`` is a fresh Playwright page in Debian's
# Chromium. Without Chromium (or the playwright package) browser tests are skipped with the
# reason shown by ``-ra``; with ``RAPPORT_REQUIRE_BROWSER=1`` (CI) they fail instead.
# ``browser_login(page, live_server)`` logs in; ``screenshot(page, "name")`` saves a PNG
# under test-artifacts/.

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def find_chromium() -> str | None:
    """``RAPPORT_CHROMIUM``, else Debian's chromium on PATH or in /usr/bin."""
    candidates = [os.environ.get("RAPPORT_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                  "/usr/bin/chromium"]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


def _no_browser(reason: str):
    if os.environ.get("RAPPORT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (RAPPORT_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"browser test skipped: {reason}")


class LiveServer:
    """A WSGI server in a thread; ``url`` is its base address (no trailing slash)."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    """The test's ``app`` served over HTTP (CSRF enforced, as in production)."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def _playwright_browser():
    """Playwright and Chromium for one test only: a sync Playwright left running would
    make any later ``sync_playwright()`` (a plugin's own browser test) fail with
    "Sync API inside the asyncio loop"."""
    executable = find_chromium()
    if executable is None:
        _no_browser("Chromium was not found (install Debian's chromium or set RAPPORT_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed (make test installs it)")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # a broken Chromium must say why, not error in every test
        manager.stop()
        _no_browser(f"Chromium at {executable} did not start: {exc}")
    yield browser
    browser.close()
    manager.stop()


@pytest.fixture
def browser_page(_playwright_browser, request):
    """A fresh page (own cookies) in headless Chromium; a failing test leaves a screenshot."""
    context = _playwright_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        save_screenshot(page, f"FAILED-{request.node.name}", request.config)
    context.close()


def save_screenshot(page, name: str, config=None) -> str:
    """Save a full-page PNG as test-artifacts/<name>.png; returns its path."""
    root = config.rootpath if config is not None else os.getcwd()
    folder = os.path.join(str(root), "test-artifacts")
    os.makedirs(folder, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = os.path.join(folder, f"{safe}.png")
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "name")`` → path of test-artifacts/name.png."""
    return lambda page, name: save_screenshot(page, name, request.config)


def browser_login(page, server: LiveServer, email: str = ADMIN_EMAIL, password: str = PASSWORD):
    """Log ``page`` in through the real login form."""
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login" not in page.url, f"login as {email} failed"
    return page


def choose_language(page, code: str):
    """Switch the page's language as a person does: pick it in the footer's language list.

    The list submits its form on change (``js-autosubmit``); the "Change" button next to it is for
    browsers without JavaScript. Picking *and* clicking the button sends two requests, and the second
    navigation can land after the test has moved on (a menu opened on the first page, a click lost
    on the second): wait for exactly the one navigation the choice makes.
    """
    if page.get_attribute("html", "lang") != code:
        select = page.locator("footer form.js-autosubmit select")
        with page.expect_navigation():
            select.select_option(code)
        page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == code
    return page


_FORM_ANSWER = re.compile(r"status of (409|422)\b")


def watch_page(page) -> list[str]:
    """Collect what a user would call broken: JavaScript errors, console errors and failed
    or 4xx/5xx requests (a missing script or icon). Returns the live list; assert it is empty.

    A form answered with 422 (invalid input, shown next to the fields) or 409 (a stale form:
    someone saved meanwhile, shown as a notice) is the page doing its job and is not counted.
    """
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" and not _FORM_ANSWER.search(msg.text) else None)
    # A request still in flight when the user moves on (a type-ahead search, the icon) is
    # cancelled by the browser (net::ERR_ABORTED): that is navigation, not breakage; a missing
    # file shows as its 404 below.
    page.on("requestfailed", lambda req: None if "ERR_ABORTED" in (req.failure or "")
            else problems.append(f"request failed: {req.url} ({req.failure})"))
    page.on("response", lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}")
            if resp.status >= 400 and resp.status not in (409, 422) else None)
    return problems


def pick(page, selector: str, text: str, choose: str | None = None) -> None:
    """Type ``text`` into the picker at ``selector`` and choose the option containing
    ``choose`` (default: the first) with the keyboard, as a user would."""
    box = page.locator(selector)
    box.click()
    box.fill("")
    box.press_sequentially(text, delay=20)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    option = listbox.locator("[role=option]", has_text=choose) if choose else listbox.locator("[role=option]")
    option.first.wait_for(state="visible")
    index = listbox.locator("[role=option]").all_inner_texts().index(option.first.inner_text())
    for _ in range(index):
        box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.first.get_attribute("id")
    box.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# -- mail: a real SMTP server (aiosmtpd) that keeps what it receives --------------------------


class ReceivedMail:
    """One message an :class:`SmtpSink` received: envelope and the parsed message."""

    def __init__(self, envelope):
        import email
        import email.policy

        self.mail_from = envelope.mail_from
        self.rcpt_tos = list(envelope.rcpt_tos)
        self.raw = envelope.original_content or envelope.content
        self.peer = None
        self.message = email.message_from_bytes(self.raw, policy=email.policy.default)


class SmtpSink:
    """An aiosmtpd server on a free loopback port. ``messages`` lists what it accepted;
    ``reply`` (e.g. ``"451 try later"``) makes it refuse the next messages with that answer."""

    def __init__(self, **smtp_kwargs):
        import threading

        from aiosmtpd.controller import Controller

        sink = self
        self.messages: list[ReceivedMail] = []
        self.reply: str | None = None
        self.lock = threading.Lock()

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if sink.reply:
                    return sink.reply
                received = ReceivedMail(envelope)
                received.peer = session.peer
                with sink.lock:
                    sink.messages.append(received)
                return "250 OK queued as " + str(len(sink.messages))

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port(), **smtp_kwargs)
        self.controller.start()
        self.port = self.controller.port
        self.url = f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        if self.controller.loop.is_running():
            self.controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink():
    """A real SMTP server for the test (``smtp_sink.url`` for ``SMTP_URL``, ``.messages``)."""
    sink = SmtpSink()
    yield sink
    sink.stop()


# -- the customer portal ---------------------------------------------------------------------------


def portal_account(app, customer_id: int, password: str = PASSWORD, *, company_access: bool = False):
    """A portal account for ``customer_id`` with ``password`` set (as if the invitation was used)."""
    from core.customers.models import Customer
    from core.db import db, utcnow
    from core.portal.models import PortalAccount

    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        account = PortalAccount(customer_id=customer_id, email=customer.primary_email.lower(), active=True,
                                company_access=company_access, link_generation=0, verified_at=utcnow())
        account.set_password(password)
        db.session.add(account)
        db.session.commit()
        return account.email


def portal_login(client, email: str, password: str = PASSWORD):
    """Log ``client`` into the portal; returns the response (302 to the portal's home on success)."""
    return client.post("/portal/login", data={"email": email, "password": password})


def portal_links_sent(app, template: str | None = None) -> list[str]:
    """The portal links found in queued emails (newest last), optionally of one template."""
    import re

    import sqlalchemy as sa

    from core.db import db
    from core.messaging.models import OutboxMessage

    with app.app_context():
        stmt = sa.select(OutboxMessage).where(OutboxMessage.source == "portal").order_by(OutboxMessage.id)
        if template:
            stmt = stmt.where(OutboxMessage.template_key == template)
        return [m for msg in db.session.execute(stmt).scalars()
                for m in re.findall(r"https?://\S+/portal/\S+", msg.body_text)
                if "/portal/login" not in m]


def portal_routes(app) -> list:
    """Every URL rule of the portal (``/portal/...``), from the URL map: new pages are included
    without anyone listing them."""
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/portal/") and r.endpoint != "static"
                   and not r.endpoint.endswith(".static")), key=lambda r: r.rule)


def customer_record_ids(app, customer_id: int) -> set[int]:
    """The ids of every row, in any table with a ``customer_id`` column, that belongs to ``customer_id``
    (and the customer's own id): what a portal URL might be given to reach that customer's records."""
    import sqlalchemy as sa

    from core.db import db

    ids = {customer_id}
    with app.app_context():
        existing = set(sa.inspect(db.engine).get_table_names())  # tables of enabled plugins only
        for table in db.metadata.sorted_tables:
            if table.name in existing and "customer_id" in table.c and "id" in table.c:
                ids.update(db.session.execute(sa.select(table.c.id).where(table.c.customer_id == customer_id))
                           .scalars())
    return ids


def portal_probe(client, app, own_customer_id: int, other_customer_id: int) -> list[str]:
    """Try every portal URL that takes an argument with the ids of ``other_customer_id``'s records
    (minus ids that also name one of the logged-in customer's own records), by GET and POST;
    return what did not answer 404 (or 405 for a method the URL does not take)."""
    import itertools

    from werkzeug.routing import IntegerConverter

    theirs = customer_record_ids(app, other_customer_id) - customer_record_ids(app, own_customer_id)
    problems, tried = [], 0
    for rule in portal_routes(app):
        if not rule.arguments:
            continue
        int_args = [a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)]
        other_args = [a for a in rule.arguments if a not in int_args]
        choices = [sorted(theirs) for _ in int_args]
        for combo in itertools.islice(itertools.product(*choices), 200):
            values = dict(zip(int_args, combo))
            values.update({a: "not-a-token" for a in other_args})
            path = rule.build(values, append_unknown=False)[1]
            for method in ("GET", "POST"):
                answer = client.open(path, method=method)
                tried += 1
                if answer.status_code not in (404, 405):
                    problems.append(f"{method} {path} -> {answer.status_code}")
    assert tried, "no portal URL with an argument was tried"
    return problems
