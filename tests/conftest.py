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


def _formula_panel(at):
    return next(e for e in at.expander if e.label.startswith("Formulas"))


def formula_sources(at) -> list[str]:
    """The source under each formula of the formula panel ("From the lecture: ..." /
    "Beyond the lecture: ..."), in order, without the icon."""
    return [c.value.split(" ", 1)[1] for c in _formula_panel(at).caption
            if c.value.startswith(":material/") and " the lecture: " in c.value]


def formula_lines(at) -> list[str]:
    """The LaTeX sources of the formula panel, in order."""
    return [e.value for e in _formula_panel(at).get("latex")]
