"""Shared pytest set-up: repository root on sys.path, AppTest factory."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def app_test(file: str, timeout: float = 120):
    """``AppTest.from_file`` for a path relative to the repository root."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / file), default_timeout=timeout)


@pytest.fixture
def make_app():
    """Fixture form of :func:`app_test`."""
    return app_test


def metric_values(at) -> dict:
    """``st.metric`` label -> shown value of an AppTest run."""
    return {m.label: m.value for m in at.metric}


def latex_texts(at) -> list[str]:
    """The sources of every ``st.latex`` of an AppTest run."""
    return [e.value for e in at.get("latex")]
