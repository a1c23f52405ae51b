"""`liandong validate`, `install` and `apps`: app definitions and their installation."""
from __future__ import annotations

from pathlib import Path

import click

from engine.cli.base import CliError, get_app, main


def resolve_definition(name_or_path: str) -> Path:
    """A definition path as given, else a bundled app (`orders`, `examples/field_types`)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    from engine.resources import bundled_app_names, bundled_app_path
    bundled = bundled_app_path(name_or_path)
    if bundled is not None:
        return bundled
    known = ", ".join(bundled_app_names()) or "none"
    raise CliError(f"{name_or_path}: no such file or folder, and no bundled app of that name "
                   f"(bundled apps: {known})")


@main.command(short_help="Check an app definition: OK, or one line per error.")
@click.argument("definition", metavar="NAME|PATH")
def validate(definition: str) -> None:
    """Check an app definition: print OK, or one `json.path: message` line per error.

    NAME|PATH is a definition file (.json), a definition folder (app.json,
    forms/, rules/) or the name of a bundled app. Warnings are printed but do
    not fail the check.
    """
    from engine.definitions import DefinitionLoadError, load_definition, validate_definition
    path = resolve_definition(definition)
    try:
        loaded = load_definition(path)
    except DefinitionLoadError as exc:
        click.echo(str(exc))
        raise click.exceptions.Exit(1) from exc
    problems = validate_definition(loaded)
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        click.echo(str(problem) if problem.severity == "error" else f"warning: {problem}")
    if errors:
        raise click.exceptions.Exit(1)
    click.echo("OK")


@main.command(short_help="Install an app, or upgrade it to a changed definition.")
@click.argument("definition", metavar="NAME|PATH")
@click.option("--dry-run", is_flag=True,
              help="Show the plan and check it against the database; change nothing.")
@click.option("--allow-destructive", is_flag=True,
              help="Apply changes that drop tables or columns or narrow types.")
@click.option("--demo-data", is_flag=True, help="Also load the app's demo data.")
def install(definition: str, dry_run: bool, allow_destructive: bool, demo_data: bool) -> None:
    """Install an app, or upgrade the installed app to a changed definition.

    Prints the schema migration plan. Destructive changes are refused unless
    --allow-destructive is given; any error leaves the database unchanged.
    """
    from engine.db import get_db
    from engine.storage.install import UNCHANGED, InstallError, install_app
    path = resolve_definition(definition)
    database = get_db(get_app())
    try:
        result = install_app(database, path, dry_run=dry_run, allow_destructive=allow_destructive)
    except InstallError as exc:
        if exc.plan is not None and exc.plan.steps:
            _echo_plan(exc.plan, err=True)
        raise CliError(str(exc)) from exc
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    if result.status == UNCHANGED:
        click.echo(f"{result.app} {result.version} is already installed and unchanged.")
    else:
        _echo_plan(result.plan)
        click.echo(_summary(result))
    if demo_data and not dry_run:
        click.echo(_load_demo_data(result.app, path))


def _echo_plan(plan, err: bool = False) -> None:
    click.echo(f"Plan for {plan.app}:", err=err)
    for line in str(plan).splitlines():
        click.echo(f"  {line}", err=err)


def _summary(result) -> str:
    verb = {"created": "Installed", "upgraded": "Upgraded"}[result.status]
    if result.dry_run:
        return (f"Dry run: {result.app} {result.version} would be {result.status}; "
                "nothing was changed.")
    return f"{verb} {result.app} {result.version} (version id {result.version_id})."


def _load_demo_data(app: str, path: Path) -> str:
    """Demo users, then demo records if the app has none yet (idempotent)."""
    from engine.demo import has_demo, load_demo
    from engine.runtime.errors import ServiceError
    if not has_demo(app):
        return f"no demo data for this app ({app})"
    click.echo(f"Demo data for {app}: creating the demo users, then loading the records "
               f"if {app} has none yet (a year of history takes about a minute)…")
    try:
        report = load_demo(get_app(), app, progress=lambda month: click.echo(f"  {month}", nl=False))
    except ServiceError as error:
        raise CliError(f"loading the demo data failed: {error} (the days loaded before stay)") from error
    if report.loaded:
        click.echo()
    return "\n".join(report.lines())


@main.command("apps")
def list_apps() -> None:
    """List the installed apps and their current versions."""
    from engine.db import get_db
    from engine.storage.install import installed_apps
    with get_db(get_app()).read() as connection:
        rows = installed_apps(connection)
    if not rows:
        click.echo("no apps installed")
        return
    width = max(len(r.name) for r in rows)
    for row in rows:
        updated = row.updated_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{row.name:<{width}}  {row.version:<10}  {row.label.get('en', '')}"
                   f"  (updated {updated} UTC)")
