"""Who may open the designer: administrators, and users holding the global
`designer` right.

The right is a role in the pseudo-app `*` (a row in ld_user_roles), so it
needs no new column and shows in `liandong user list` as `*:designer`;
`liandong user create --designer` and `liandong user designer NAME` set it.
"""
from __future__ import annotations

from engine.runtime.actor import Actor

GLOBAL_APP = "*"
DESIGNER_ROLE = "designer"
DESIGNER_RIGHT = (GLOBAL_APP, DESIGNER_ROLE)


def can_design(actor: Actor | None) -> bool:
    if actor is None:
        return False
    return actor.is_admin or DESIGNER_ROLE in actor.roles_in(GLOBAL_APP)
