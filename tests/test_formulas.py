"""Every formula panel says, line by line, whether a formula is from the lecture or beyond it."""

import re

import pytest

from tests.conftest import app_test, formula_lines, formula_sources
from ui import catalog, panels

DECK = "|".join(panels.DECKS.values())
SOURCE = re.compile(rf'(From the lecture: ({DECK}), slide "[^"]+"|Beyond the lecture: \S.*)$')


@pytest.mark.parametrize("file", [p.file for p in catalog.PAGES])
def test_each_formula_line_carries_its_source(file):
    at = app_test(file).run()
    assert not at.exception, [e.value for e in at.exception]
    assert sum(e.label.startswith("Formulas") for e in at.expander) == 1
    formulas, sources = formula_lines(at), formula_sources(at)
    assert formulas and len(sources) == len(formulas), (len(formulas), sources)
    for source in sources:
        assert SOURCE.match(source), source
    assert any(s.startswith("From the lecture") for s in sources)  # every page teaches the lecture


def test_plain_strings_are_refused():
    with pytest.raises(TypeError, match="Formula"):
        panels.formula_panel([r"x^2"])


def test_sources_name_a_deck_or_say_beyond():
    line = panels.lecture("x", "main", "Normalized Cut")
    assert line.from_lecture
    assert line.source == 'From the lecture: main deck, slide "Normalized Cut"'
    other = panels.beyond("y", "Otsu (1979)")
    assert not other.from_lecture and other.source == "Beyond the lecture: Otsu (1979)"
    with pytest.raises(KeyError):
        panels.lecture("z", "no such deck", "topic")
