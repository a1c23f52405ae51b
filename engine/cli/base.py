"""The `liandong` group: version, error handling, and access to the app and database.

Every error a user can cause ends as one clean message and a non-zero exit,
never a traceback (set LIANDONG_DEBUG=1 to see one for an unexpected error).
"""
from __future__ import annotations

import os
import sys

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from engine import __version__

DEBUG_ENV = "LIANDONG_DEBUG"


class CliError(click.ClickException):
    """A user-facing failure: printed as `error: message`, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", file=file or sys.stderr)


class LiandongGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except SQLAlchemyError as exc:
            raise CliError(f"database error: {error_reason(exc)}") from exc
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            raise CliError(f"unexpected {type(exc).__name__}: {exc} "
                           f"(set {DEBUG_ENV}=1 to see the traceback)") from exc


@click.group(cls=LiandongGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="liandong",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Liandong (联动): a metadata-driven form and workflow engine.

    The database comes from LIANDONG_DATABASE_URL (default: a SQLite file under
    instance/).
    """


def error_reason(exc: BaseException) -> str:
    """The first line of what the database driver said, without SQLAlchemy's boilerplate."""
    original = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    text = str(original or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def get_app(ctx: click.Context | None = None) -> Flask:
    """The Flask app for this command, created once; its database is closed at exit."""
    ctx = (ctx or click.get_current_context()).find_root()
    ctx.ensure_object(dict)
    if "app" not in ctx.obj:
        ctx.obj["app"] = _create_app()
        from engine.db import get_db
        ctx.call_on_close(get_db(ctx.obj["app"]).dispose)
    return ctx.obj["app"]


def _create_app() -> Flask:
    from engine import create_app
    from engine.config import ENV_DATABASE_URL, default_settings, instance_path
    url = os.environ.get(ENV_DATABASE_URL) or default_settings(instance_path())["DATABASE_URL"]
    shown = _safe_url(url)
    try:
        return create_app()
    except DBAPIError as exc:
        raise CliError(f"cannot connect to database {shown}: {error_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        raise CliError(f"cannot use database {shown}: {error_reason(exc)}") from exc
    except OSError as exc:
        raise CliError(f"cannot open database {shown}: {exc.strerror or exc}") from exc


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:          # not even a URL: show it as given, it has no password
        return url
