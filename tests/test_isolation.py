"""segcore is a backend: importing it (all of it) must not import Streamlit."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_segcore_leaves_streamlit_out():
    code = (
        "import pkgutil, importlib, sys, segcore\n"
        "for m in pkgutil.walk_packages(segcore.__path__, 'segcore.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "assert 'streamlit' not in sys.modules, 'segcore imported streamlit'\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
