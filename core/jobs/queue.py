"""The task queue: one Huey instance per app, built from the configuration.

``RedisHuey`` when ``RAPPORT_REDIS_URL`` is set (web processes and workers on many
machines share it), else ``SqliteHuey`` in the instance folder (one machine). Huey
carries only ids; the database says what a job is and how far it got.

Huey tasks registered here, each run inside the app context with the enabled
plugins read from the database:

* ``run_job(job_id)`` — runs any tracked job (``core.jobs.runner``);
* ``deliver_events(delivery_ids)`` — event deliveries handed to workers (retries,
  ``EVENTS_DELIVERY = "worker"``);
* ``sweep()`` — every minute, and when a worker starts: jobs whose worker died,
  jobs whose queue message was lost, event deliveries that are due;
* one periodic task per :class:`core.contrib.PeriodicTask` declared by the core and
  by installed plugins — it starts the declared job, once per schedule slot.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage

from core.contrib import JobTask, PeriodicTask
from core.plugins import CORE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredTask:
    plugin: str
    name: str
    run: Any
    label: Any
    max_attempts: int
    tracked: bool = True


@dataclass(frozen=True)
class HueyTasks:
    run_job: Any
    deliver: Any
    sweep: Any
    call: Any


class TaskDeclarationError(ValueError):
    pass


class QueueStorage(SqliteStorage):
    """Huey's SQLite storage with ``synchronous=NORMAL``, as the app's own SQLite database:
    in WAL mode a message survives a crash of any process; without an fsync per message
    (SQLite's default, FULL) queuing costs milliseconds on a busy disk."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class Queue:
    """Declared tasks and the (lazily built) Huey instance of one app."""

    def __init__(self, app: Flask):
        self.app = app
        self.tasks: dict[str, RegisteredTask] = {}
        self.periodic: list[tuple[str, PeriodicTask]] = []
        self._huey = None
        self._lock = threading.Lock()

    # -- declarations -------------------------------------------------------------------------

    def collect(self, registry) -> None:
        """Read ``job_tasks`` and ``periodic_tasks`` of the core and every installed plugin."""
        for hook in ("job_tasks", "periodic_tasks"):
            for plugin, items in registry.call(hook, include_disabled=True):
                try:
                    for item in items:
                        self._declare(plugin, item)
                        if isinstance(item, PeriodicTask):
                            self.periodic.append((plugin, item))
                except TaskDeclarationError as exc:
                    if plugin == CORE:
                        raise
                    registry.mark_failed(plugin, f"{hook}: {exc}")

    def _declare(self, plugin: str, item: JobTask | PeriodicTask) -> None:
        prefix = f"{plugin}."
        if not item.name.startswith(prefix):
            raise TaskDeclarationError(f"task {item.name!r} of plugin {plugin} must be named '{prefix}…'")
        if item.name in self.tasks:
            raise TaskDeclarationError(f"task {item.name!r} is declared twice")
        if item.max_attempts < 1:
            raise TaskDeclarationError(f"task {item.name!r}: max_attempts must be at least 1")
        self.tasks[item.name] = RegisteredTask(plugin, item.name, item.run, item.label or item.name,
                                               item.max_attempts, item.tracked)

    def label(self, name: str):
        task = self.tasks.get(name)
        return task.label if task else name

    # -- Huey ---------------------------------------------------------------------------------

    def _tasks(self) -> HueyTasks:
        self.huey  # noqa: B018  (building Huey registers the tasks)
        return self._huey_tasks

    @property
    def huey(self):
        """The Huey instance, built on first use (an app that never queues opens no queue)."""
        if self._huey is None:
            with self._lock:
                if self._huey is None:
                    self._huey = self._build()
        return self._huey

    def _build(self):
        config = self.app.config
        name = config["JOBS_QUEUE_NAME"]
        if config.get("REDIS_URL"):
            huey = RedisHuey(name, url=config["REDIS_URL"], results=False, utc=True)
        else:
            path = config.get("JOBS_SQLITE_PATH") or os.path.join(self.app.instance_path, "queue.db")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            huey = SqliteHuey(name, filename=path, results=False, utc=True, storage_class=QueueStorage)
        app = self.app

        def in_app(fn):
            def run(*args, **kwargs):
                with app.app_context():
                    from core.db import db

                    try:
                        app.extensions["rapport"].plugins.refresh(db.session)
                        db.session.commit()
                        return fn(*args, **kwargs)
                    finally:
                        db.session.remove()

            run.__name__ = fn.__name__
            run.__module__ = __name__
            return run

        from core.events.delivery import deliver_ids
        from core.jobs.runner import call_task, run_job, start_periodic, sweep

        self._huey_tasks = HueyTasks(
            run_job=huey.task(name="run_job")(in_app(run_job)),
            deliver=huey.task(name="deliver_events")(in_app(deliver_ids)),
            sweep=huey.task(name="sweep")(in_app(sweep)),
            call=huey.task(name="call")(in_app(call_task)),
        )
        huey.periodic_task(crontab(), name="sweep_every_minute")(in_app(sweep))
        for plugin, item in self.periodic:
            def fire(name=item.name, params=dict(item.params), tracked=item.tracked):
                if tracked:
                    start_periodic(name, params)
                else:
                    call_task(name, params)

            huey.periodic_task(item.schedule, name=f"periodic:{item.name}")(in_app(fire))
        return huey

    def enqueue_job(self, job_id: int, delay: float | None = None) -> None:
        self._send(self._tasks().run_job, (job_id,), delay)

    def enqueue_deliveries(self, delivery_ids: list[int], delay: float | None = None) -> None:
        self._send(self._tasks().deliver, (list(delivery_ids),), delay)

    def enqueue_call(self, name: str, params: dict, delay: float | None = None) -> None:
        """A background call (``run_soon``); Huey retries it while ``max_attempts`` allows."""
        retries = self.tasks[name].max_attempts - 1
        message = self._tasks().call.s(name, params, retries=retries, retry_delay=10,
                                       **({"delay": delay} if delay else {}))
        self.huey.enqueue(message)

    def enqueue_sweep(self, delay: float | None = None) -> None:
        self._send(self._tasks().sweep, (), delay)

    @staticmethod
    def _send(task, args: tuple, delay: float | None) -> None:
        if delay:
            task.schedule(args, delay=delay)
        else:
            task(*args)

    def drain(self, limit: int = 10_000, now=None) -> int:
        """Run every message waiting in the queue, here and now (tests, one-off scripts).

        Uses Huey's own dequeue/execute, as a worker thread does. Messages scheduled for
        later (retries) stay scheduled, unless ``now`` (naive UTC) is a time past theirs.
        Returns the number of messages run.
        """
        huey, count = self.huey, 0
        while count < limit:
            at = now or huey._get_timestamp()
            for task in huey.read_schedule(at):  # scheduled ones now due
                huey.enqueue(task)
            task = huey.dequeue()
            if task is None:
                break
            if not huey.ready_to_run(task, at):  # a retry for later: into the schedule, as a worker does
                huey.add_schedule(task)
                continue
            huey.execute(task, at)
            count += 1
        return count


def queue(app: Flask | None = None) -> Queue:
    """The current app's queue."""
    return (app or current_app).extensions["rapport"].queue


def init_queue(app: Flask, registry) -> Queue:
    q = Queue(app)
    q.collect(registry)
    return q


