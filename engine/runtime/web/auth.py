"""Web identity: sign-in and sign-out with Flask-Login, CSRF with Flask-WTF.

- `/login` (GET, POST: `username`, `password`, `csrf_token`) and `/logout`
  (GET asks, POST signs out: a link alone must not sign anyone out).
- The session cookie is HttpOnly and SameSite=Lax, Secure when
  SESSION_COOKIE_SECURE (env LIANDONG_SESSION_COOKIE_SECURE=1) is set. The
  cookie holds the user id and the key of a server-side session
  (`engine.runtime.sessions`, ld_sessions); every request looks the session
  up with its user (one primary-key query), so a signed-out, revoked or
  disabled session is refused on its next request, by every worker, and
  role changes apply at once.
- CSRF (`CSRFProtect`) guards every state-changing request, with one
  exception: API calls that carry an `Authorization` header. A bearer token
  is not ambient authority (a browser never adds it by itself, and such a
  request never falls back to the session), so there is nothing to forge.
  API calls authenticated by the session cookie must send the page's token in
  `X-CSRFToken`; without it they get 403 `csrf_failed`.
- Sign-in attempts are throttled per username and per address
  (`engine.runtime.web.throttle`), and every outcome goes to the operation log
  (never the password).

Screens load the signed-in user with `current_actor_or_none()`.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, current_app, g, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from engine.db import get_db
from engine.runtime import identity, sessions
from engine.runtime.actor import Actor
from engine.runtime.web import throttle
from engine.storage.system import log_operation

auth = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()
API_PREFIX = "/api/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class SessionUser(UserMixin):
    """The Flask-Login user: a thin holder of the request's `Actor`."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.id = actor.user_id


class LoginForm(FlaskForm):
    username = StringField("Username · 用户名", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password · 密码", validators=[DataRequired(), Length(max=1024)])


def current_actor_or_none() -> Actor | None:
    """The signed-in (session) user of this request as an Actor, or None."""
    user = current_user
    if user is not None and user.is_authenticated:
        return user.actor
    return None


def current_session_key() -> str | None:
    """The server-side session key of this request's cookie (e.g. to keep this
    session signed in when its user changes their password), or None."""
    key = session.get(sessions.SESSION_KEY)
    return key if isinstance(key, str) and key else None


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    """The session's user, if the server-side session is alive: a cookie
    without a session key (e.g. signed by an earlier release) signs in nobody."""
    key = current_session_key()
    if key is None or not user_id.isdigit():
        return None
    database = get_db()
    with database.read() as connection:
        user, touch = sessions.user_for_key(connection, key)
        if user is None or user["id"] != int(user_id):
            return None
        actor = identity.actor_for_user(connection, user)
    if touch:       # a write transaction (on SQLite the write lock) at most once a minute
        with database.transaction() as connection:
            sessions.touch(connection, key)
    return SessionUser(actor)


# ------------------------------------------------------------------ sign-in
@auth.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.values.get("next"))
    if request.method == "GET" and current_actor_or_none() is not None:
        return redirect(target)
    status, error, retry = 200, None, None
    if request.method == "POST":
        if form.validate_on_submit():
            status, error, retry = _attempt(form.username.data.strip(), form.password.data)
            if status == 302:
                return redirect(target)
        else:
            status, error = 400, "Enter your username and password. · 请输入用户名和密码。"
    response = current_app.make_response(
        (render_template("auth/login.html", form=form, next=target, error=error), status))
    if retry:
        response.headers["Retry-After"] = str(retry)
    return response


def _attempt(username: str, password: str) -> tuple[int, str | None, int | None]:
    """(302, None, None) when signed in; else (status, message, retry-after)."""
    config = current_app.config
    address = request.remote_addr
    with get_db().transaction() as connection:
        wait = throttle.retry_after(connection, username, address,
                                    limit=config["LOGIN_THROTTLE_LIMIT"],
                                    window=timedelta(seconds=config["LOGIN_THROTTLE_WINDOW_SECONDS"]))
        if wait:
            log_operation(connection, throttle.THROTTLED, username, address=address)
            minutes = max(1, round(wait / 60))
            return 429, (f"Too many failed sign-ins. Try again in about {minutes} minute(s). · "
                         f"登录失败次数过多，请约 {minutes} 分钟后再试。"), wait
        user, reason = identity.authenticate(connection, username, password)
        if user is None:
            log_operation(connection, throttle.FAILURE, username, address=address,
                          details={"reason": reason})
            return 401, "Wrong username or password. · 用户名或密码错误。", None
        log_operation(connection, throttle.SUCCESS, username, actor_id=user["id"], address=address)
        actor = identity.actor_for_user(connection, user)
        if current_session_key():       # signing in again: the cookie's earlier session ends
            sessions.end(connection, current_session_key(), sessions.LOGOUT)
        key = sessions.start(connection, user["id"], address=address,
                             user_agent=request.user_agent.string)
    session.clear()          # a fresh session (and CSRF token) for the signed-in user
    session[sessions.SESSION_KEY] = key
    login_user(SessionUser(actor))
    g.pop("liandong_actor", None)
    return 302, None, None


@auth.route("/logout", methods=["GET", "POST"])
def logout():
    actor = current_actor_or_none()
    if actor is None:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/logout.html", actor=actor)
    with get_db().transaction() as connection:
        sessions.end(connection, current_session_key(), sessions.LOGOUT)
        log_operation(connection, "logout", actor.username, actor_id=actor.user_id,
                      address=request.remote_addr)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str:
    """Only same-site paths: `next` must not send a signed-in user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.isprintable():
            return target
    return "/"


# --------------------------------------------------------------------- CSRF
def _protect_from_csrf() -> None:
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.path.startswith(API_PREFIX):
        if request.headers.get("Authorization"):
            return            # bearer token: nothing ambient to forge
        if current_actor_or_none() is None:
            return            # no session either: the API answers 401
    csrf.protect(apply_exemptions=True)


def _csrf_failed(error: CSRFError):
    if request.path.startswith(API_PREFIX):
        from engine.runtime.api.errors import error_response
        return error_response(403, "csrf_failed", f"{error.description} A request signed in by the "
                              "session cookie must send the page's CSRF token in the X-CSRFToken header")
    if request.endpoint == "auth.login":
        message = "The page had expired; please sign in again. · 页面已过期，请重新登录。"
        return render_template("auth/login.html", form=LoginForm(formdata=None),
                               next=safe_next(request.values.get("next")), error=message), 400
    return render_template("auth/csrf_failed.html", reason=error.description), 400


def init_app(app: Flask) -> None:
    app.config.setdefault("LOGIN_THROTTLE_LIMIT", 5)
    app.config.setdefault("LOGIN_THROTTLE_WINDOW_SECONDS", 15 * 60)
    # We decide per request (see _protect_from_csrf); tokens live as long as the session.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    app.before_request(_protect_from_csrf)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_blueprint(auth)
