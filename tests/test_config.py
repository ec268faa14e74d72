"""Shared-server settings and the CI/README contract."""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_streamlit_config_is_safe_for_a_shared_server():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["headless"] is True
    assert cfg["server"]["enableXsrfProtection"] is True
    assert 1 <= cfg["server"]["maxUploadSize"] <= 20
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["client"]["toolbarMode"] == "viewer"


def test_nginx_body_limit_matches_upload_cap():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    nginx = (ROOT / "deploy" / "nginx" / "seglab-locations.conf").read_text()
    assert f"client_max_body_size {cfg['server']['maxUploadSize']}m;" in nginx


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- test-command -->\n```bash\n(.+)\n```", readme)
    assert block, "README marks its test command"
    extracted = subprocess.run(
        ["awk", "/<!-- test-command -->/{getline; getline; print; exit}", "README.md"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert extracted == block.group(1)
    assert "pytest" in extracted


def test_torch_pins():
    req = (ROOT / "requirements.txt").read_text().split()
    assert "torch==2.14.1" in req and "torchvision==0.29.1" in req
