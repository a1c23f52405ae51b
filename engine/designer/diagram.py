"""A workflow drawn as SVG on the server: states as boxes in a row, each
transition an arc (forward above, backward below) labelled with its name.
Text is escaped; the picture carries a <title> for screen readers and the
page lists the same states and transitions as a table."""
from __future__ import annotations

from html import escape
from typing import Any

BOX_W, BOX_H, GAP = 130, 44, 60


def _label(value: Any, fallback: str, language: str | None) -> str:
    if isinstance(value, dict):
        return value.get(language or "en") or value.get("en") or value.get("zh") or fallback
    return value if isinstance(value, str) and value else fallback


def _states(workflow: dict) -> list[tuple[str, Any]]:
    result = []
    for state in workflow.get("states") or []:
        if isinstance(state, str):
            result.append((state, None))
        elif isinstance(state, dict) and isinstance(state.get("name"), str):
            result.append((state["name"], state.get("label")))
    return result


def workflow_svg(workflow: dict, language: str | None = "en") -> str:
    states = _states(workflow)
    if not states:
        return ""
    position = {name: index for index, (name, _) in enumerate(states)}
    width = len(states) * (BOX_W + GAP) + GAP
    arcs = list(_arcs(workflow, position))
    above = max([a[4] for a in arcs if a[1] >= a[0]] or [0])
    below = max([a[4] for a in arcs if a[1] < a[0]] or [0])
    top = above + 30
    height = top + BOX_H + (below + 30 if below else 20)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ld-workflow" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" data-testid="workflow-svg">',
             "<title>workflow</title>",
             '<defs><marker id="ld-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    parts += [_arc(source, target, lift, _label(label, name, language), name, top)
              for source, target, label, name, lift in arcs]
    locked, final = set(workflow.get("locked") or []), set(workflow.get("final") or [])
    for name, label in states:
        x = GAP + position[name] * (BOX_W + GAP)
        initial = name == workflow.get("initial")
        fill = "#e9ecef" if name in locked else "#fff"
        stroke = "#0d6efd" if initial else "#333"
        dashes = ' stroke-dasharray="5 3"' if name in final else ""
        parts.append(f'<g data-state="{escape(name)}"><rect x="{x}" y="{top}" width="{BOX_W}" height="{BOX_H}" '
                     f'rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{3 if initial else 1.5}"'
                     f'{dashes}/>'
                     f'<text x="{x + BOX_W / 2}" y="{top + BOX_H / 2 + 5}" text-anchor="middle" '
                     f'font-size="14">{escape(_label(label, name, language))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _arcs(workflow: dict, position: dict[str, int]):
    """(source index, target index, label, name, lift) for each drawn arrow."""
    seen: dict[tuple[int, int], int] = {}
    for transition in workflow.get("transitions") or []:
        if not isinstance(transition, dict):
            continue
        sources = transition.get("from")
        sources = sources if isinstance(sources, list) else [sources]
        target = transition.get("to")
        for source in sources:
            if source not in position or target not in position:
                continue
            a, b = position[source], position[target]
            key = (min(a, b), max(a, b))
            seen[key] = seen.get(key, 0) + 1
            lift = 24 + 18 * max(abs(b - a) - 1, 0) + 14 * (seen[key] - 1)
            yield a, b, transition.get("label"), transition.get("name", ""), lift


def _arc(source: int, target: int, lift: int, text: str, name: str, top: int) -> str:
    x1 = GAP + source * (BOX_W + GAP) + BOX_W / 2
    x2 = GAP + target * (BOX_W + GAP) + BOX_W / 2
    forward = target >= source
    y = top if forward else top + BOX_H
    control = y - lift * 2 if forward else y + lift * 2
    label_y = y - lift - 4 if forward else y + lift + 12
    if source == target:
        x2 = x1 + 20
    path = f"M{x1 - 10},{y} Q{(x1 + x2) / 2},{control} {x2 + 10},{y}"
    return (f'<g data-transition="{escape(name)}"><path d="{path}" fill="none" stroke="#555" stroke-width="1.5" '
            f'marker-end="url(#ld-arrow)"/><text x="{(x1 + x2) / 2}" y="{label_y}" text-anchor="middle" '
            f'font-size="12" fill="#333">{escape(text)}</text></g>')
