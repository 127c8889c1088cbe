"""``rapport worker`` (Huey's consumer with the app's tasks) and ``rapport run`` (web + worker).

A worker runs queued jobs, delivers events handed to it, starts periodic jobs and,
every minute, sweeps up what fell through (``core.jobs.runner.sweep``). Run as many
as you like, on as many machines as share the database and the queue.
"""
from __future__ import annotations

import logging
import shlex
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger(__name__)


def run_worker(app, *, workers: int = 2, worker_type: str = "thread", periodic: bool = True,
               shutdown_timeout: float = 30.0) -> None:
    """Run Huey's consumer for ``app`` until SIGTERM (graceful) or SIGINT (at once)."""
    from core.db import db
    from core.jobs.queue import queue

    q = queue(app)
    huey = q.huey
    if worker_type == "process":
        @huey.on_startup("rapport_fresh_connections")
        def _fresh_connections():  # a forked worker must not share the parent's connections
            with app.app_context():
                db.engine.dispose(close=False)

    consumer = huey.create_consumer(workers=workers, worker_type=worker_type, periodic=periodic,
                                    initial_delay=0.1, max_delay=1.0, backoff=1.5, graceful_signal="TERM",
                                    shutdown_timeout=shutdown_timeout)
    # What a previous worker left behind: now, and again once its jobs' leases have run out.
    q.enqueue_sweep()
    q.enqueue_sweep(delay=app.config["JOBS_LEASE_SECONDS"] + 1)
    consumer.run()


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            stream=sys.stderr)


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 256),
              help="Jobs run at the same time in this process.")
@click.option("--worker-type", type=click.Choice(["thread", "process"]), default="thread", show_default=True,
              help="Threads (light, fine for database and network work) or processes (CPU-heavy jobs).")
@click.option("--no-periodic", is_flag=True, help="Do not start periodic jobs from this worker.")
@click.option("--shutdown-timeout", default=30.0, show_default=True, type=click.FloatRange(0),
              help="On SIGTERM, seconds to let running jobs finish before stopping them.")
@with_appcontext
def worker_command(workers: int, worker_type: str, no_periodic: bool, shutdown_timeout: float):
    """Run background jobs and deliver events (stop with Ctrl+C or SIGTERM)."""
    _configure_logging()
    app = current_app._get_current_object()
    where = app.config["REDIS_URL"] and "Redis" or "the SQLite queue in the instance folder"
    click.echo(f"Rapport worker: {workers} {worker_type}(s) on {where}  (Ctrl+C stops)")
    run_worker(app, workers=workers, worker_type=worker_type, periodic=not no_periodic,
               shutdown_timeout=shutdown_timeout)


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--processes", default=None, type=click.IntRange(1, 256),
              help="Web processes (default: one per core, as `rapport serve`).")
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads per process.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 256), help="Worker threads.")
def run_command(host: str, port: int, processes: int | None, threads: int, workers: int):
    """Serve the web app and run a worker together; Ctrl+C stops both.

    The two are separate processes (``rapport serve`` and ``rapport worker``) watched
    by Honcho: output is prefixed with each one's name, and when either stops the other
    is stopped too.
    """
    from honcho.manager import Manager

    rapport = [sys.executable, "-m", "core.cli"]
    manager = Manager()
    serve = [*rapport, "serve", "--host", host, "--port", str(port), "--threads", str(threads)]
    manager.add_process("web", shlex.join([*serve, "--processes", str(processes)] if processes else serve))
    manager.add_process("worker", shlex.join([*rapport, "worker", "--workers", str(workers),
                                              "--shutdown-timeout", "4"]))
    manager.loop()
    sys.exit(manager.returncode)
