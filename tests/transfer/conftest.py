"""Fixtures for export/import tests: the field-types and mini stock apps, helpers."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.storage.install import install_app
from tests.api.conftest import ApiClient, make_user

MINI_APP = Path(__file__).parents[1] / "rules" / "mini_app.json"
SAMPLES = "/apps/field_types/forms/sample/records"


@pytest.fixture
def ft_app(app):
    install_app(get_db(app), bundled_app_path("examples/field_types"))
    return app


@pytest.fixture
def ft(client, ft_app):
    return ApiClient(client, make_user(ft_app, "admin", admin=True))


@pytest.fixture
def mini_api(client, app):
    install_app(get_db(app), MINI_APP)
    return ApiClient(client, make_user(app, "admin", admin=True))


def parse_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def upload(api, path, content: bytes | str, filename="data.csv", **fields):
    if isinstance(content, str):
        content = content.encode("utf-8")
    data = {"file": (io.BytesIO(content), filename), **{k: str(v) for k, v in fields.items()}}
    return api.post(path + "/import", data=data, content_type="multipart/form-data")


def to_csv(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
