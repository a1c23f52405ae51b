"""Shared fixtures: a real app, a real database, a real HTTP client.

Every test that asks for `database_url` (directly or through `app`) runs once per
configured backend: SQLite always, PostgreSQL when LIANDONG_TEST_POSTGRES_URL is
set (`make test` sets it when a server answers on 127.0.0.1:5432). Each test
gets an empty database: a fresh SQLite file, or a fresh PostgreSQL schema.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import create_app
from engine.resources import resource_dir

POSTGRES_URL = os.environ.get("LIANDONG_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def pytest_report_header(config):
    return f"liandong database backends: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def postgres_admin_url():
    """The PostgreSQL test database, created on first use."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (set LIANDONG_TEST_POSTGRES_URL)")
    url = make_url(POSTGRES_URL)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                    {"name": url.database}).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    return url


def _postgres_schema_url(admin_url):
    schema = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(admin_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = admin_url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop_postgres_schema(admin_url, schema):
    engine = create_engine(admin_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url, schema = _postgres_schema_url(admin_url)
    yield url
    _drop_postgres_schema(admin_url, schema)


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    path.mkdir()
    monkeypatch.setenv("LIANDONG_INSTANCE_PATH", str(path))
    return path


@pytest.fixture
def app(database_url, instance_dir):
    application = create_app({"TESTING": True, "DATABASE_URL": database_url,
                              "SECRET_KEY": "test-secret"})
    application.jinja_env.undefined = __import__("jinja2").StrictUndefined
    yield application
    application.extensions["liandong.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_env(database_url, instance_dir, monkeypatch):
    """Environment for running the `liandong` CLI against the test database."""
    monkeypatch.setenv("LIANDONG_DATABASE_URL", database_url)
    return {"LIANDONG_DATABASE_URL": database_url, "LIANDONG_INSTANCE_PATH": str(instance_dir)}


@pytest.fixture(scope="session")
def app_definitions_dir() -> Path:
    return resource_dir("app_definitions")
