"""/apps/{app}/analysis/inventory: the inventory analysis as tables (zh/en),
products, warehouses and suppliers linked to their records."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from engine.runtime.analysis.inventory_common import run_analysis
from engine.runtime.web import context
from engine.runtime.web.screens import screens


@screens.get("/apps/<app>/analysis/inventory")
def inventory_analysis_page(app: str):
    actor = context.screen_actor()
    loaded, result = run_analysis(app, actor, request.args)
    return context.render_screen("runtime/analysis_inventory.html", loaded=loaded, result=result,
                                 args=request.args, page_title=_("Inventory analysis"))
