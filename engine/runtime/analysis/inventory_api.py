"""`GET /api/v1/apps/{app}/analysis/inventory`: the inventory analysis as JSON
(sections: over_max, abc, turnover, slow_dead, suppliers; `omitted` names the
sections the caller may not see)."""
from __future__ import annotations

from flask import jsonify, request

from engine.runtime.analysis import inventory_openapi as _openapi  # noqa: F401  (registers its path)
from engine.runtime.analysis.inventory_common import run_analysis
from engine.runtime.api import api
from engine.runtime.api.auth import current_actor


@api.get("/apps/<app>/analysis/inventory")
def inventory_analysis_api(app: str):
    _loaded, result = run_analysis(app, current_actor(), request.args)
    return jsonify(result)
