"""Dashboards (definition key `dashboards`): KPI tiles and charts over reports.

- `view.py`  — what one actor sees: `visible_dashboards()`, `build()` (runs the
  reports through `run_report`, so rights and row scopes apply; what the actor
  may not run is left out)
- `pivot.py` — a report's rows reshaped for a chart (x, series, cells)
- `drill.py` — the list filter behind a bar, point or slice (the drill-down rule)
- `screens.py` — /apps/<app>/dashboards/ and /apps/<app>/dashboards/<name>
"""
