"""Every formula panel says, line by line, whether a formula is from the lecture or beyond it."""

import re

import pytest

from tests.conftest import app_test
from ui import catalog, panels

SOURCE = re.compile(r"(From the lecture: (" + "|".join(panels.DECKS.values()) + r"), slide \"[^\"]+\""
                    r"|Beyond the lecture: \S.*)$")


def _formula_panel(at):
    panels_found = [e for e in at.expander if e.label.startswith("Formulas")]
    assert len(panels_found) == 1, [e.label for e in at.expander]
    return panels_found[0]


@pytest.mark.parametrize("file", [p.file for p in catalog.PAGES])
def test_each_formula_line_carries_its_source(file):
    at = app_test(file).run()
    assert not at.exception, [e.value for e in at.exception]
    panel = _formula_panel(at)
    formulas = panel.get("latex")
    sources = [c.value.split(" ", 1)[1] for c in panel.caption
               if c.value.startswith(":material/") and " the lecture: " in c.value]
    assert formulas and len(sources) == len(formulas), (len(formulas), sources)
    for source in sources:
        assert SOURCE.match(source), source
    assert any(s.startswith("From the lecture") for s in sources)  # every page teaches the lecture


def test_plain_strings_are_refused():
    with pytest.raises(TypeError, match="Formula"):
        panels.formula_panel([r"x^2"])


def test_sources_name_a_deck_or_say_beyond():
    line = panels.lecture("x", "main", "Normalized Cut")
    assert line.from_lecture and line.source == 'From the lecture: main deck, slide "Normalized Cut"'
    other = panels.beyond("y", "Otsu (1979)")
    assert not other.from_lecture and other.source == "Beyond the lecture: Otsu (1979)"
    with pytest.raises(KeyError):
        panels.lecture("z", "no such deck", "topic")
