"""The `liandong` command line (console script `liandong = engine.cli:main`).

`base.py` holds the group, error handling and the app/database helpers; each
module next to it adds one family of commands. A new family is a new module
imported below.
"""
from engine.cli.base import main
from engine.cli import apps as _apps  # noqa: F401  (registers validate, install, apps)
from engine.cli import server as _server  # noqa: F401  (registers run)
from engine.cli import users as _users  # noqa: F401  (registers user create/token)
from engine.cli import audit as _audit  # noqa: F401  (registers audit prune)
from engine.cli import verify as _verify  # noqa: F401  (registers verify, ledger)
from engine.cli import jobs as _jobs  # noqa: F401  (registers jobs run/list)
from engine.cli import webhooks as _webhooks  # noqa: F401  (registers webhook …)
from engine.cli import forecasts as _forecasts  # noqa: F401  (registers forecast backtest)
from engine.cli import api_keys as _api_keys  # noqa: F401  (registers api prune-keys)

__all__ = ["main"]
