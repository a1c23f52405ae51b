"""Liandong (联动): a metadata-driven form and workflow engine."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from engine import config as config_module
from engine import db

__version__ = "0.1.0"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: configuration, then one `init_app` per subsystem."""
    instance = config_module.instance_path()
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True,
                template_folder=str(_resource_dir("templates")))
    app.config.update(config_module.default_settings(instance))
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_secret_key(instance)
    register_subsystems(app)
    return app


def register_subsystems(app: Flask) -> None:
    """Each subsystem attaches itself with `init_app`; order matters only for
    dependencies (the database first, the API after the services it calls)."""
    from engine.designer import init_app as init_designer
    from engine.runtime import expression_limits, registry
    from engine.runtime.api import init_app as init_api
    from engine.runtime.records import service
    from engine.runtime.web.auth import init_app as init_auth
    from engine.runtime.web.headers import init_app as init_headers
    from engine.runtime.web.screens import init_app as init_screens
    from engine.storage import system

    expression_limits.init_app(app)     # EXPRESSION_MAX_LENGTH, for this process
    db.init_app(app)
    system.init_app(app)
    registry.init_app(app)
    service.init_app(app)
    init_api(app)
    init_auth(app)      # sign-in, sessions, CSRF on every state-changing request
    init_screens(app)   # after the API: the screens wrap its HTTP error handler
    init_designer(app)  # /designer/: after the screens (it renders with their layout)
    init_headers(app)   # CSP, nosniff, framing and referrer headers on every answer


def _resource_dir(name: str):
    from engine.resources import resource_dir
    return resource_dir(name)
