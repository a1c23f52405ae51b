"""Security headers on every answer (DESIGN §7.1), set in one place.

- `Content-Security-Policy`: scripts, styles, fonts, frames and fetches from
  this site only; no inline script, no inline style (neither `<style>`
  elements nor `style` attributes: the pages use classes in liandong.css, and
  scripts set widths through the DOM, which the policy allows); images from
  this site and `data:` (Bootstrap's CSS draws its select arrows and check
  marks as data: SVG images); no plugins; forms post only to this site; no
  page may be framed (`frame-ancestors 'none'`).
- `X-Frame-Options: DENY` for browsers that ignore frame-ancestors.
- `X-Content-Type-Options: nosniff` (also on JSON, CSV and static files).
- `Referrer-Policy: same-origin`: list URLs carry filters; other sites get no referrer.

The one exception is a page the designer shows in a frame of its own page
(its live preview): its view is marked with `@frameable_by_same_site`, which
answers `frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`.
A header a view set itself is left alone.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, Response, current_app, request

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; "
          "base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
REFERRER_POLICY = "same-origin"
_MARK = "liandong_frameable_by_same_site"

View = TypeVar("View", bound=Callable)


def frameable_by_same_site(view: View) -> View:
    """Let pages of this site show the view's answer in a frame (the designer's preview)."""
    setattr(view, _MARK, True)
    return view


def content_security_policy(*, frameable: bool = False) -> str:
    return POLICY.format(ancestors="'self'" if frameable else "'none'")


def _frameable() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, _MARK, False))


def _add_headers(response: Response) -> Response:
    frameable = _frameable()
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(frameable=frameable))
    headers.setdefault("X-Frame-Options", "SAMEORIGIN" if frameable else "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
