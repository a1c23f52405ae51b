"""`liandong run`: the development server."""
from __future__ import annotations

import click

from engine.cli.base import get_app, main


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--debug", is_flag=True, help="Reload on code changes and show the debugger.")
def run(host: str, port: int, debug: bool) -> None:
    """Serve Liandong with the development web server."""
    import os

    from werkzeug.serving import run_simple

    from engine.runtime.jobs import scheduler
    app = get_app()
    jobs = None
    if not debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true":   # not in the reloader's parent
        jobs = scheduler.start(app)
        if jobs:
            click.echo("Scheduled jobs run in the background (LIANDONG_JOBS_SCHEDULER=0 turns this off)")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Liandong is running on http://{shown}:{port}/ (press Ctrl+C to stop)")
    try:
        run_simple(host, port, app, use_reloader=debug, use_debugger=debug, threaded=True)
    finally:
        scheduler.stop(jobs)
