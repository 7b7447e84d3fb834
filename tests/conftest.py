from __future__ import annotations

import os
from pathlib import Path

import pytest

# No test may reach the hub: it is unreachable here and in CI, and slow to fail.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Fixtures shared by several test files live with their helpers; registered here once.
from digest_helpers import local_server  # noqa: E402, F401
from hardening_helpers import split_text  # noqa: E402, F401

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny-marian-ar-en"))


@pytest.fixture(scope="session")
def tiny_marian_pickle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny-marian-pickle"), safetensors=False)


@pytest.fixture(scope="session")
def tiny_mt5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny import build_mt5

    return build_mt5(tmp_path_factory.mktemp("tiny-mt5"))


@pytest.fixture(scope="session")
def layouts(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """name -> directory of that registry model's layout (tests/layouts.py), built on first use."""
    from layouts import build_layout

    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = build_layout(name, tmp_path_factory.mktemp(f"layout-{name}"))
        return built[name]

    return get
