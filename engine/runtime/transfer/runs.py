"""Import runs started from the import screen: the uploaded file, its state and
its progress, kept in the instance folder.

Why files and not a table: an import is one transaction, and on SQLite it holds
the database's write lock until it commits, so progress written to a table
could not be seen (or even written) until the end. A small JSON file per run,
replaced atomically, is readable by every worker process on the machine while
the import runs. Uploads and states older than `KEEP_FOR` are pruned.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

KEEP_FOR = 24 * 3600
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


@dataclass
class ImportRun:
    id: str
    owner: int | None
    app: str
    form: str
    filename: str
    mode: str = "all"
    key: str | None = None
    dry_run: bool = True
    confirm: bool = False               # accept the warning checks the rows trip
    status: str = PENDING
    phase: str = ""
    done: int = 0
    total: int = 0
    report: dict[str, Any] | None = None
    message: str | None = None          # why a run failed as a whole (empty file, no header…)
    problem: dict[str, Any] | None = None    # the same as a code and numbers, for the page's language
    sample: list[list[str]] = field(default_factory=list)    # the header and the first rows, as text
    preview: dict[str, Any] | None = None                    # the dry run's report, once imported
    started: float = field(default_factory=time.time)
    finished: float | None = None

    @property
    def finished_ok(self) -> bool:
        return self.status == DONE

    @property
    def percent(self) -> int:
        if self.status in (DONE, FAILED):
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    def public(self) -> dict[str, Any]:
        """What the status endpoint answers (the owner only)."""
        return {"id": self.id, "status": self.status, "phase": self.phase, "done": self.done,
                "total": self.total, "percent": self.percent, "dry_run": self.dry_run,
                "mode": self.mode, "message": self.message, "report": self.report}


class RunStore:
    """Runs and their uploads under `<instance>/imports/`."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def create(self, *, owner: int | None, app: str, form: str, filename: str, data: bytes) -> ImportRun:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prune()
        run = ImportRun(id=secrets.token_urlsafe(18), owner=owner, app=app, form=form,
                        filename=Path(filename or "upload").name[:200])
        self._upload_path(run.id).write_bytes(data)
        self.save(run)
        return run

    def load(self, run_id: str) -> ImportRun | None:
        if not RUN_ID.match(run_id or ""):
            return None
        try:
            raw = json.loads(self._state_path(run_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return ImportRun(**raw)

    def save(self, run: ImportRun) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".run-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(run), out, ensure_ascii=False, default=str)
        os.replace(temporary, self._state_path(run.id))

    def upload(self, run: ImportRun) -> bytes:
        return self._upload_path(run.id).read_bytes()

    def has_upload(self, run: ImportRun) -> bool:
        return self._upload_path(run.id).exists()

    def discard_upload(self, run: ImportRun) -> None:
        self._upload_path(run.id).unlink(missing_ok=True)

    def prune(self, now: float | None = None) -> None:
        cutoff = (now or time.time()) - KEEP_FOR
        for path in self.folder.glob("*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue                     # another worker pruned it first

    def _state_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.json"

    def _upload_path(self, run_id: str) -> Path:
        return self.folder / f"{run_id}.upload"
