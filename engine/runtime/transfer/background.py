"""Run an import (preview or the real thing) on a worker thread, so a large file
shows progress instead of holding a request open for minutes.

The thread gets its own application context and goes through `import_file`,
i.e. the record service in one transaction, like every other import. Whatever
goes wrong is turned into the run's message; the traceback goes to the log.
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app

from engine.db import get_db
from engine.runtime.actor import Actor
from engine.runtime.errors import ServiceError
from engine.runtime.records.service import get_record_service
from engine.runtime.transfer.import_ import import_file
from engine.runtime.transfer.runs import DONE, FAILED, RUNNING, ImportRun, RunStore
from engine.storage.system import log_operation

log = logging.getLogger(__name__)
SAVE_EVERY = 0.5          # seconds between two progress writes
UNEXPECTED = "The import stopped on an unexpected error and nothing was written; the server log has the details."


def run_store(app: Flask | None = None) -> RunStore:
    app = app or current_app
    return RunStore(app.config.get("IMPORT_RUNS_PATH") or f"{app.instance_path}/imports")


def start(run: ImportRun, actor: Actor, address: str | None, *, wait: float = 0.0) -> None:
    """Start `run` on a thread; wait up to `wait` seconds so small files are done
    by the time the browser asks."""
    app = current_app._get_current_object()
    worker = threading.Thread(target=_execute, args=(app, run.id, actor, address),
                              name=f"import-{run.id[:8]}", daemon=True)
    worker.start()
    if wait:
        worker.join(wait)


def _execute(app: Flask, run_id: str, actor: Actor, address: str | None) -> None:
    with app.app_context():
        store = run_store(app)
        run = store.load(run_id)
        if run is None:
            return
        run.status = RUNNING
        store.save(run)
        try:
            report, wrote = import_file(get_record_service(), run.app, run.form, actor, store.upload(run),
                                        run.filename, mode=run.mode, dry_run=run.dry_run, key=run.key,
                                        progress=_progress_writer(store, run), confirm=run.confirm)
        except ServiceError as error:
            run.status, run.message = FAILED, _explain(error)
            if getattr(error, "problem", None):          # a file the limits refuse (transfer/limits.py)
                run.problem = {"code": error.problem, "params": error.params}
        except Exception:                                   # noqa: BLE001 - reported, never shown raw
            log.exception("import run %s of %s.%s failed", run.id, run.app, run.form)
            run.status, run.message = FAILED, UNEXPECTED
        else:
            run.status, run.report = DONE, report.as_dict()
            run.report["written"] = wrote
            _log(run, actor, address, report, wrote)
        run.finished = time.time()
        store.save(run)
        if run.status == DONE and not run.dry_run:
            store.discard_upload(run)


def _progress_writer(store: RunStore, run: ImportRun):
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        run.phase, run.done, run.total = phase, done, total
        now = time.monotonic()
        if now - last[0] >= SAVE_EVERY or done in (0, total):
            last[0] = now
            store.save(run)
    return progress


def _explain(error: ServiceError) -> str:
    details = "; ".join(f"{d.field}: {d.message}" if d.field else d.message
                        for d in error.details or [] if d.message != error.message)
    return f"{error.message} ({details})" if details else error.message


def _log(run: ImportRun, actor: Actor, address: str | None, report, wrote: bool) -> None:
    with get_db().transaction() as connection:
        log_operation(connection, "records.import", f"{run.app}.{run.form}", actor_id=actor.user_id,
                      details={"file": run.filename, "mode": run.mode, "dry_run": run.dry_run,
                               "created": report.created, "updated": report.updated,
                               "errors": len(report.errors), "written": wrote, "screen": True},
                      address=address)
