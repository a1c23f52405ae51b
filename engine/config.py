"""Configuration: defaults, environment variables, and the instance folder.

Operators configure Liandong through environment variables (12-factor style);
tests pass a mapping to `create_app(test_config)` instead.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_DATABASE_URL = "LIANDONG_DATABASE_URL"
ENV_SECRET_KEY = "LIANDONG_SECRET_KEY"
ENV_INSTANCE_PATH = "LIANDONG_INSTANCE_PATH"
ENV_SESSION_COOKIE_SECURE = "LIANDONG_SESSION_COOKIE_SECURE"
ENV_QUERY_TIMEOUT = "LIANDONG_QUERY_TIMEOUT_SECONDS"
ENV_EXPRESSION_MAX_LENGTH = "LIANDONG_EXPRESSION_MAX_LENGTH"


def instance_path() -> Path:
    """Where the SQLite file, the generated secret key and uploads live."""
    configured = os.environ.get(ENV_INSTANCE_PATH)
    return Path(configured).resolve() if configured else Path.cwd() / "instance"


def default_settings(instance: Path) -> dict:
    return {
        "DATABASE_URL": os.environ.get(ENV_DATABASE_URL)
        or f"sqlite:///{instance / 'liandong.db'}",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "API_MAX_LIMIT": 500,
        "API_DEFAULT_LIMIT": 50,
        "AUDIT_RETENTION_DAYS": 365,
        # Idempotency-Key answers are replayed for this long (at least 24 hours), then pruned
        "IDEMPOTENCY_RETENTION_HOURS": 24,
        # a repeat waits this long for the first request with its key to answer, else 409
        "IDEMPOTENCY_WAIT_SECONDS": 30,
        "BATCH_MAX_BYTES": 8 * 1024 * 1024,     # POST /api/v1/apps/{app}/batch (at most 500 operations)
        "WEBHOOK_MAX_ATTEMPTS": 8,      # deliveries dead-lettered after this many failures
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Set LIANDONG_SESSION_COOKIE_SECURE=1 when served over HTTPS.
        "SESSION_COOKIE_SECURE": _flag(os.environ.get(ENV_SESSION_COOKIE_SECURE)),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag(os.environ.get(ENV_SESSION_COOKIE_SECURE)),
        "LOGIN_THROTTLE_LIMIT": 5,                 # failed sign-ins per user / address ...
        "LOGIN_THROTTLE_WINDOW_SECONDS": 15 * 60,  # ... within this window
        "JSON_SORT_KEYS": False,
        # `liandong run` runs due scheduled jobs in a background thread (LIANDONG_JOBS_SCHEDULER=0: off)
        "JOBS_SCHEDULER": os.environ.get("LIANDONG_JOBS_SCHEDULER", "1").strip().lower() not in ("0", "false", "no", "off"),
        "JOBS_SCHEDULER_INTERVAL": 30,
        # List, report and export queries are stopped after this many seconds (400
        # query_timeout); 0 turns the limit off.
        "QUERY_TIMEOUT_SECONDS": _number(ENV_QUERY_TIMEOUT, 5.0, float),
        # Text (characters) and lists (items) an expression may build: filters,
        # formulas, checks, conditions, defaults (400 limit_exceeded in filters).
        "EXPRESSION_MAX_LENGTH": _number(ENV_EXPRESSION_MAX_LENGTH, 10_000, int),
        **import_limits(),
    }


def import_limits() -> dict:
    """What an import file may hold (docs/operations.md), each overridable as LIANDONG_<NAME>."""
    from engine.runtime.transfer.limits import DEFAULTS
    return {name: _int_env(f"LIANDONG_{name}", default) for name, default in DEFAULTS.items()}


def _int_env(name: str, default: int) -> int:
    raw = (os.environ.get(name) or "").strip().replace("_", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise RuntimeError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)


def _number(name: str, default, kind):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {raw!r}")
    return value


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def load_secret_key(instance: Path) -> str:
    """The secret key from the environment, else one generated once into instance/."""
    configured = os.environ.get(ENV_SECRET_KEY)
    if configured:
        return configured
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key signs every session cookie.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker of the same server (gunicorn -w N) won the race: use its key.
        return _read_when_written(key_file)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _read_when_written(key_file: Path) -> str:
    import time
    for _ in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{key_file} exists but is empty")
