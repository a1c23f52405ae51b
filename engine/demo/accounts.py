"""Demo logins: one user per role, with passwords documented in the README.

They are for trying an app out on a laptop (`make run`), never for a server
other people can reach. Creating them is idempotent: a user that exists is
left exactly as it is (roles and password included).
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.db import Database
from engine.runtime import identity
from engine.runtime.actor import Actor
from engine.runtime.errors import NotFound

CREATED, EXISTS, CHANGED = "created", "exists", "exists, password changed"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str | None            # the app role; None for the global administrator
    display_name: str
    admin: bool = False

    def describe(self, app: str) -> str:
        return "global administrator" if self.admin else f"{app}:{self.role}"


def ensure_accounts(database: Database, app: str,
                    accounts: tuple[DemoAccount, ...]) -> list[tuple[DemoAccount, str]]:
    """Create the accounts that do not exist yet; (account, status) for each."""
    statuses = []
    with database.transaction() as connection:
        for account in accounts:
            try:
                user = identity.find_user(connection, account.username)
            except NotFound:
                identity.create_user(
                    connection, account.username, account.password, is_admin=account.admin,
                    roles=[(app, account.role)] if account.role else [],
                    display_name=account.display_name)
                statuses.append((account, CREATED))
                continue
            same = identity.check_password(user, account.password)
            statuses.append((account, EXISTS if same else CHANGED))
    return statuses


def actors(database: Database, app: str, accounts: tuple[DemoAccount, ...]) -> dict[str, Actor]:
    """Who posts the demo documents, by role ("admin" for the administrator): the
    account's user acting in the account's role (so the sales user sees the
    orders "they" created), whatever roles an existing user was given since."""
    found = {}
    with database.read() as connection:
        for account in accounts:
            user = identity.find_user(connection, account.username)
            found[account.role or "admin"] = Actor(
                user_id=user["id"], username=user["username"], is_admin=account.admin,
                roles={app: frozenset({account.role})} if account.role else {},
                display_name=user.get("display_name"))
    return found
