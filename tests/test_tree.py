"""The repository tree itself: no leftovers of a merge in any tracked text file."""

import re
import subprocess

from tests.conftest import ROOT

MARKER = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.M)


def test_no_merge_conflict_markers_in_tracked_files():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    bad = []
    for name in files:
        path = ROOT / name
        if path.suffix in (".png", ".pt", ".jpg", ".gz") or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        bad += [f"{name}:{text[:m.start()].count(chr(10)) + 1}" for m in MARKER.finditer(text)]
    assert not bad, bad
