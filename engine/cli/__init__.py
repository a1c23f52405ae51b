"""The `liandong` command line (console script `liandong = engine.cli:main`).

`base.py` holds the group, error handling and the app/database helpers; each
module next to it adds one family of commands. A new family is a new module
imported below.
"""
from engine.cli.base import main
from engine.cli import apps as _apps  # noqa: F401  (registers validate, install, apps)
from engine.cli import server as _server  # noqa: F401  (registers run)

__all__ = ["main"]
