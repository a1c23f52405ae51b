"""Names of app tables, constraints and indexes, all at most 63 characters.

PostgreSQL silently truncates identifiers longer than 63 bytes, which would make
two long names collide and make the live schema disagree with the metadata the
migrator compares it with. So every generated name is shortened here, the same
way on every backend: the readable head of the name plus a hash of the whole.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import MetaData

MAX_IDENTIFIER_LENGTH = 63
_HASH_LENGTH = 8


def shorten(name: str, limit: int = MAX_IDENTIFIER_LENGTH) -> str:
    """`name` itself when it fits, else its head + "_" + an 8-hex-digit hash of it."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    return f"{name[:limit - _HASH_LENGTH - 1]}_{digest}"


def form_table_name(app: str, form: str) -> str:
    return shorten(f"{app}__{form}")


def subform_table_name(app: str, form: str, subform: str) -> str:
    return shorten(f"{app}__{form}__{subform}")


def app_table_prefix(app: str) -> str:
    """Every table of an app starts with this (shortening keeps the head)."""
    return f"{app}__"


# ------------------------------------------------------------ naming convention
# SQLAlchemy calls these token functions when a constraint without an explicit
# name is attached to a table; the results become the constraint names in DDL.

def _column_names(constraint) -> str:
    columns = getattr(constraint, "columns", None)
    names = [c.name for c in columns] if columns is not None else []
    if not names and hasattr(constraint, "expressions"):
        names = [getattr(e, "name", str(e)) for e in constraint.expressions]
    return "_".join(names)


def _referred_table(constraint) -> str:
    # target_fullname is "table.column" or "schema.table.column"; the target
    # table may not be defined yet, so it is parsed instead of resolved.
    return constraint.elements[0].target_fullname.split(".")[-2]


def _pk_token(constraint, table) -> str:
    return shorten(f"pk_{table.name}")


def _fk_token(constraint, table) -> str:
    return shorten(f"fk_{table.name}_{_column_names(constraint)}_{_referred_table(constraint)}")


def _uq_token(constraint, table) -> str:
    return shorten(f"uq_{table.name}_{_column_names(constraint)}")


def _ix_token(constraint, table) -> str:
    return shorten(f"ix_{table.name}_{_column_names(constraint)}")


def _ck_token(constraint, table) -> str:
    # CHECK constraints need an explicit base name (there are no columns to name).
    return shorten(f"ck_{table.name}_{constraint.name}")


NAMING_CONVENTION = {
    "ld_pk": _pk_token, "ld_fk": _fk_token, "ld_uq": _uq_token,
    "ld_ix": _ix_token, "ld_ck": _ck_token,
    "pk": "%(ld_pk)s", "fk": "%(ld_fk)s", "uq": "%(ld_uq)s",
    "ix": "%(ld_ix)s", "ck": "%(ld_ck)s",
}


def new_metadata() -> MetaData:
    """A MetaData whose constraints and indexes get short, deterministic names."""
    return MetaData(naming_convention=NAMING_CONVENTION)
