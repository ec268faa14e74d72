"""The graph-cuts page shows the lecture's average cut beside cut, Ncut and Nassoc (AppTest)."""

import pytest

from tests.conftest import app_test, latex_texts
from ui.graph_cuts.cached import fmt

PAGE = "pages/graph-cuts.py"


@pytest.fixture(scope="module")
def cuts_view():
    at = app_test(PAGE)
    at.query_params["view"] = "cuts"
    return at.run()


def test_table_has_acut_equal_to_cut_over_sizes(cuts_view):
    at = cuts_view
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    assert list(frame.columns[-3:]) == ["Ncut", "Nassoc", "Acut"]
    for _, row in frame.iterrows():
        expected = row["cut(A,B)"] / row["|A|"] + row["cut(A,B)"] / row["|B|"]
        assert row["Acut"] == pytest.approx(expected)


def test_formula_panel_fills_acut_for_both_partitions(cuts_view):
    at = cuts_view
    lines = [t for t in latex_texts(at) if "Acut =" in t]
    assert len(lines) == 2
    assert r"\text{min cut}" in lines[0] and r"\text{Ncut}" in lines[1]
    frame = at.dataframe[0].value
    for line, (_, row) in zip(lines, frame.iterrows()):
        sizes = rf"}}{{{row['|A|']}}} + \frac{{{fmt(row['cut(A,B)'])}}}{{{row['|B|']}}}"
        assert sizes in line
        assert line.rstrip("$\n").endswith(f"= {fmt(row['Acut'], 4)}")
    sources = [c.value for c in at.caption if "Other Graph Cut Methods" in c.value]
    assert len(sources) == 2 and all("Beyond the lecture" in s for s in sources)
    assert any("Average cut Acut" in c.value for c in at.caption)
