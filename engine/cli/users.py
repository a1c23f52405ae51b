"""`liandong user …`: create users and API tokens."""
from __future__ import annotations

import click

from engine.cli.base import CliError, get_app, main
from engine.db import get_db
from engine.runtime import identity
from engine.runtime.errors import ServiceError


@main.group()
def user() -> None:
    """Manage users and their API tokens."""


def _role(value: str) -> tuple[str, str]:
    app, sep, role = value.partition(":")
    if not sep or not app or not role:
        raise CliError(f"--role {value!r}: expected APP:ROLE, e.g. inventory:sales")
    return app, role


@user.command("create")
@click.argument("name")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", "roles", multiple=True, metavar="APP:ROLE",
              help="A role in an app; repeat for several.")
@click.option("--admin", is_flag=True, help="Global administrator: every right in every app.")
@click.option("--display-name", default=None, help="The name shown in the UI.")
@click.option("--language", type=click.Choice(["en", "zh"]), default=None)
def create_user(name, password, roles, admin, display_name, language) -> None:
    """Create the user NAME."""
    parsed = [_role(r) for r in roles]
    try:
        with get_db(get_app()).transaction() as connection:
            _check_roles(connection, parsed)
            user_id = identity.create_user(connection, name, password, is_admin=admin, roles=parsed,
                                           display_name=display_name, language=language)
    except ServiceError as error:
        raise CliError(str(error)) from None
    click.echo(f"created user {name} (id {user_id})")


def _check_roles(connection, roles) -> None:
    from engine.runtime.registry import get_registry
    registry = get_registry(get_app())
    for app, role in roles:
        try:
            model = registry.get(connection, app).model
        except ServiceError:
            raise CliError(f"--role {app}:{role}: app {app!r} is not installed") from None
        if role not in model.role_names:
            raise CliError(f"--role {app}:{role}: app {app!r} has no role {role!r} "
                           f"(roles: {', '.join(model.role_names)})")


@user.command("token")
@click.argument("name")
@click.option("--label", default=None, help="What the token is for.")
def create_token(name, label) -> None:
    """Create an API token for NAME; the token is printed once, as the last line."""
    try:
        with get_db(get_app()).transaction() as connection:
            token = identity.create_token(connection, name, label)
    except ServiceError as error:
        raise CliError(str(error)) from None
    click.echo("Keep this token secret; it is not shown again:")
    click.echo(token)
