"""`liandong user …`: users, their roles and API tokens."""
from __future__ import annotations

import json
from contextlib import contextmanager

import click

from engine.cli.base import CliError, get_app, main
from engine.db import get_db
from engine.runtime import accounts, identity
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
@click.option("--designer", is_flag=True, help="May open the designer (/designer/) without being an admin.")
@click.option("--display-name", default=None, help="The name shown in the UI.")
@click.option("--language", type=click.Choice(["en", "zh"]), default=None)
def create_user(name, password, roles, admin, designer, display_name, language) -> None:
    """Create the user NAME."""
    from engine.designer.access import DESIGNER_RIGHT
    parsed = [_role(r) for r in roles]
    try:
        with get_db(get_app()).transaction() as connection:
            _check_roles(connection, parsed)
            parsed += [DESIGNER_RIGHT] if designer else []
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
    with _transaction() as connection:
        token_id, token = identity.issue_token(connection, name, label)
    click.echo(f"token id {token_id} (revoke with: liandong user revoke {token_id})")
    click.echo("Keep this token secret; it is not shown again:")
    click.echo(token)


@user.command("tokens")
@click.argument("name")
def list_tokens(name) -> None:
    """List the API tokens of NAME (ids, labels, last use; never the secrets)."""
    with _transaction() as connection:
        tokens = accounts.list_tokens(connection, name)
    for token in tokens:
        state = f"revoked {_when(token['revoked_at'])}" if token["revoked_at"] else "active"
        click.echo(f"{token['id']}\t{token['name'] or '-'}\tcreated {_when(token['created_at'])}\t"
                   f"last used {_when(token['last_used_at'])}\t{state}")


@user.command("revoke")
@click.argument("token")
def revoke_token(token) -> None:
    """Revoke an API token, named by its id (or by the token itself)."""
    with _transaction() as connection:
        revoked = accounts.revoke_token(connection, token)
    click.echo(f"revoked token {revoked['id']} of {revoked['username']}")


@user.command("disable")
@click.argument("name")
def disable_user(name) -> None:
    """Disable NAME: no sign-in, sessions end, API tokens answer 401."""
    with _transaction() as connection:
        changed = accounts.set_active(connection, name, False)
    click.echo(f"disabled user {name}" if changed else f"user {name} was already disabled")


@user.command("enable")
@click.argument("name")
def enable_user(name) -> None:
    """Enable NAME again (their unrevoked tokens work again)."""
    with _transaction() as connection:
        changed = accounts.set_active(connection, name, True)
    click.echo(f"enabled user {name}" if changed else f"user {name} was already enabled")


@user.command("signout")
@click.argument("name")
def sign_out_user(name) -> None:
    """Sign NAME out everywhere: every session ends (API tokens are revoked with `revoke`)."""
    with _transaction() as connection:
        ended = accounts.sign_out_everywhere(connection, name)
    click.echo(f"signed out {name} everywhere ({ended} session{'s' if ended != 1 else ''} ended)")


@user.command("sessions")
@click.argument("name")
def list_sessions(name) -> None:
    """List NAME's live sessions: when they started, last use, address, browser."""
    with _transaction() as connection:
        rows = accounts.list_sessions(connection, name)
    for row in rows:
        click.echo(f"{row['id'][:12]}\tstarted {_when(row['created_at'])}\t"
                   f"last seen {_when(row['last_seen_at'])}\t{row['address'] or '-'}\t"
                   f"{row['user_agent'] or '-'}")
    if not rows:
        click.echo(f"{name} has no live sessions")


@user.command("password")
@click.argument("name")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="At least 8 characters (asked for, hidden, when left out).")
def set_password(name, password) -> None:
    """Set NAME's password; every session of NAME ends (API tokens stay)."""
    with _transaction() as connection:
        ended = accounts.set_password(connection, name, password)
    click.echo(f"password of {name} changed ({ended} session{'s' if ended != 1 else ''} ended)")


@user.command("list")
def list_users() -> None:
    """List users: name, state, admin flag, roles, active tokens."""
    with _transaction() as connection:
        rows = accounts.list_users(connection)
    for row in rows:
        flags = ("active" if row["is_active"] else "disabled") + (", admin" if row["is_admin"] else "")
        click.echo(f"{row['username']}\t{flags}\troles: {', '.join(row['roles']) or '-'}\t"
                   f"tokens: {row['tokens']}")


@user.command("roles")
@click.argument("name")
@click.option("--add", "added", multiple=True, metavar="APP:ROLE", help="Give a role; repeatable.")
@click.option("--remove", "removed", multiple=True, metavar="APP:ROLE", help="Take a role; repeatable.")
def user_roles(name, added, removed) -> None:
    """Show NAME's roles, or change them with --add / --remove."""
    to_add, to_remove = [_role(r) for r in added], [_role(r) for r in removed]
    with _transaction() as connection:
        _check_roles(connection, to_add)
        roles = accounts.change_roles(connection, name, to_add, to_remove)
    click.echo(f"{name}: {', '.join(roles) or 'no roles'}")


@user.command("designer")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Take the designer right away instead.")
def user_designer(name, revoke) -> None:
    """Give NAME the designer right (open /designer/ without being an admin), or take it away."""
    from engine.designer.access import DESIGNER_RIGHT
    with _transaction() as connection:
        change = {"remove": [DESIGNER_RIGHT]} if revoke else {"add": [DESIGNER_RIGHT]}
        accounts.change_roles(connection, name, **change)
    click.echo(f"{name}: designer right {'revoked' if revoke else 'granted'}")


@user.command("attributes")
@click.argument("name")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Set an attribute (VALUE is JSON if it parses, e.g. [1,2], else text).")
@click.option("--unset", "removed", multiple=True, metavar="KEY", help="Remove an attribute.")
def user_attributes(name, assignments, removed) -> None:
    """Show or change NAME's attributes, read by row scopes as user.KEY."""
    values = dict(_assignment(a) for a in assignments)
    with _transaction() as connection:
        attributes = accounts.set_attributes(connection, name, values, removed) \
            if values or removed else identity.find_user(connection, name).get("attributes") or {}
    click.echo(json.dumps(attributes, ensure_ascii=False, sort_keys=True))


def _assignment(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise CliError(f"--set {text!r}: expected KEY=VALUE, e.g. region=north")
    try:
        return key.strip(), json.loads(raw)
    except ValueError:
        return key.strip(), raw


@contextmanager
def _transaction():
    """One transaction; a service error becomes a clean CLI error (nothing written)."""
    try:
        with get_db(get_app()).transaction() as connection:
            yield connection
    except ServiceError as error:
        raise CliError(str(error)) from None


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"
