"""The REST API under /api/v1 (DESIGN §5): thin views over the record service."""
from __future__ import annotations

from flask import Blueprint, Flask

api = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from engine.runtime.api import errors, meta, records, openapi, openapi_records  # noqa: F401  (routes)
    from engine.runtime.api import notifications  # noqa: F401  (routes)
    from engine.runtime.api import forecasts, batch, deletions  # noqa: F401  (routes)
    from engine.runtime.api import idempotency  # noqa: F401  (Idempotency-Key on every write)
    idempotency.init_app(app)
    from engine.runtime.transfer import routes as transfer_routes  # noqa: F401  (export/import)
    from engine.runtime.reports import init_app as init_reports
    init_reports(app)                    # report routes and pages, before the blueprints register
    from engine.runtime.analysis import inventory_api  # noqa: F401  (analysis)
    errors.register(app)
    app.register_blueprint(api)
