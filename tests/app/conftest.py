"""Fixtures of the web app's tests: apps on a temporary data folder with a fake analysis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
pytest.importorskip("argon2")

from fastapi.testclient import TestClient  # noqa: E402

from strokescreen.app.main import create_app  # noqa: E402
from strokescreen.app.settings import AppSettings  # noqa: E402
from tests.app import app_fakes  # noqa: E402
from tests.app.app_helpers import write_tiny_video  # noqa: E402


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2 at its lowest cost in these tests (the real cost is tested in test_app_cli)."""
    from argon2 import PasswordHasher

    from strokescreen.app import security

    monkeypatch.setattr(security, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_video(tmp_path_factory.mktemp("video") / "tiny.mp4")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings_for(data_dir: Path) -> Callable[..., AppSettings]:
    def make(**kw) -> AppSettings:
        kw.setdefault("analysis", app_fakes.fake_analysis)
        kw.setdefault("worker_mode", "thread")
        kw.setdefault("poll_interval_s", 0.05)
        return AppSettings(data_dir=data_dir, **kw)

    return make


@pytest.fixture
def client_for(settings_for) -> Iterator[Callable[..., TestClient]]:
    """``client_for(**settings)`` -> a started TestClient (jobs run); closed at teardown."""
    opened: list[TestClient] = []

    def make(**kw) -> TestClient:
        c = TestClient(create_app(settings_for(**kw)))
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in reversed(opened):
        c.__exit__(None, None, None)
