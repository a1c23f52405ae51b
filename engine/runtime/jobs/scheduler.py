"""The in-process scheduler of `liandong run`: a daemon thread that calls
`run_due` every JOBS_SCHEDULER_INTERVAL seconds (30). Off when TESTING or
JOBS_SCHEDULER is false (env LIANDONG_JOBS_SCHEDULER=0). Several servers may
each run one: the ld_job_runs claim keeps every period to a single run."""
from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


def enabled(flask_app: Flask) -> bool:
    return bool(flask_app.config.get("JOBS_SCHEDULER", True)) and not flask_app.config.get("TESTING")


def start(flask_app: Flask) -> threading.Thread | None:
    if not enabled(flask_app):
        return None
    stop = threading.Event()
    interval = float(flask_app.config.get("JOBS_SCHEDULER_INTERVAL", 30))

    def loop() -> None:
        from engine.runtime.jobs import run_due
        while not stop.is_set():
            try:
                for outcome in run_due(flask_app):
                    log.info("job %s", outcome.line())
            except Exception:        # the database may be away for a moment: try next tick
                log.exception("scheduled jobs tick failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="liandong-jobs", daemon=True)
    thread.stop_event = stop           # type: ignore[attr-defined]
    thread.start()
    return thread


def stop(thread: threading.Thread | None, timeout: float = 30.0) -> None:
    """Stop the scheduler and wait for a tick in progress, so nothing writes
    after the server has stopped."""
    if thread is not None:
        thread.stop_event.set()        # type: ignore[attr-defined]
        thread.join(timeout)
