"""deploy/: nginx with cookie-sticky replicas, serve-local.sh, the container and Kubernetes files.

The short run starts ``deploy/serve-local.sh PORT 2`` (nginx plus two Streamlit
replicas on 127.0.0.1), checks that nginx sets its own routing cookie and that a
browser sending it back opens its session on that replica, sends a small
simulated class through nginx with ``benchmarks.loadtest`` and checks that it ran
without errors and that both replicas served sessions; SIGTERM then stops every
process. nginx must be installed (the README's test command
installs Debian's nginx).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from benchmarks.streamlit_client import StreamlitClient

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port_run(count: int) -> int:
    """A port P with P .. P+count-1 all free on 127.0.0.1 right now."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count > 65535:
            continue
        try:
            socks = []
            for p in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port range")


def _get(url: str, headers: dict | None = None, timeout: float = 5.0):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, dict(resp.headers), resp.read()


def _sessions(port: int) -> int:
    _, _, body = _get(f"http://127.0.0.1:{port}/_stcore/metrics")
    match = re.search(rb'session_events_total\{type="connect"\} (\d+)', body)
    return int(match.group(1)) if match else 0


def _nginx() -> str:
    assert Path(NGINX).exists(), "nginx is missing: apt-get install nginx (the README does)"
    return NGINX


# --------------------------------------------------------------------------- static files
def _replicas(first_port: int, n: int) -> str:
    return subprocess.run([str(DEPLOY / "nginx-replicas.sh"), str(first_port), str(n)],
                          capture_output=True, text=True, check=True).stdout


def test_nginx_routes_by_a_cookie_it_sets_not_by_ip():
    routing = (DEPLOY / "nginx" / "seglab-routing.conf").read_text()
    locations = (DEPLOY / "nginx" / "seglab-locations.conf").read_text()
    replicas = _replicas(8501, 3)
    everything = routing + locations + replicas + (DEPLOY / "nginx.conf").read_text()
    assert not re.search(r"^\s*(ip_hash|hash)\b", everything, re.MULTILINE)
    # new browsers go round-robin over every replica; a cookie rN pins replica N
    pool = re.search(r"upstream seglab \{(.*?)\}", replicas, re.S).group(1)
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", pool) == ["8501", "8502", "8503"]
    assert "r2 seglab_r2;" in replicas and "default seglab;" in replicas
    pinned = re.search(r"upstream seglab_r2 \{(.*?)\}", replicas, re.S).group(1)
    assert re.search(r"server 127\.0\.0\.1:8502 [^;]*;", pinned).group(0).count("backup") == 0
    assert pinned.count("backup") == 2, "another replica takes over when r2 is down"
    assert "127.0.0.1:8503 r3;" in replicas
    assert "add_header Set-Cookie $seglab_route_cookie;" in locations
    assert "proxy_pass http://$seglab_target;" in locations
    assert "proxy_set_header Upgrade $http_upgrade;" in locations
    assert "/_stcore/stream" in locations and "location = /_stcore/health" in locations


def test_nginx_accepts_the_site_configuration(tmp_path):
    """``nginx -t`` on deploy/nginx.conf installed as its header says (conf.d + seglab/)."""
    nginx = _nginx()
    (tmp_path / "seglab").mkdir()
    for part in (DEPLOY / "nginx").iterdir():
        shutil.copy(part, tmp_path / "seglab" / part.name)
    (tmp_path / "seglab" / "replicas.conf").write_text(_replicas(8501, 2))
    (tmp_path / "seglab.conf").write_text(
        (DEPLOY / "nginx.conf").read_text().replace("listen 80;", "listen 127.0.0.1:80;"))
    (tmp_path / "nginx.conf").write_text(
        f"error_log stderr;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{ client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
        f"include {tmp_path}/seglab.conf; }}\n")
    done = subprocess.run([nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c",
                           str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_kubernetes_manifests():
    docs = {}
    for name in ("deployment.yaml", "service.yaml", "ingress.yaml"):
        doc = yaml.safe_load((DEPLOY / "k8s" / name).read_text())
        docs[doc["kind"]] = doc
    deployment, service, ingress = docs["Deployment"], docs["Service"], docs["Ingress"]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert service["spec"]["selector"] == labels
    (container,) = pod["spec"]["containers"]
    port = container["ports"][0]["containerPort"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/_stcore/health"
    assert container["resources"]["limits"]["memory"]
    env = {e["name"]: e for e in container["env"]}
    assert "secretKeyRef" in env["STREAMLIT_SERVER_COOKIE_SECRET"]["valueFrom"]
    assert service["spec"]["ports"][0]["targetPort"] in ("http", port)
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]


def test_containerfile_runs_the_app_with_a_health_check():
    text = (DEPLOY / "Containerfile").read_text()
    instructions = [line.split(None, 1) for line in text.splitlines()
                    if line and not line.startswith((" ", "#"))]
    kinds = [k for k, *_ in instructions]
    assert kinds[0] == "FROM" and "python:3.11" in instructions[0][1]
    assert "pip install --no-cache-dir -r requirements.txt" in text
    cmd = json.loads(dict(instructions)["CMD"])
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    port = cmd[cmd.index("--server.port") + 1]
    assert dict(instructions)["EXPOSE"] == port
    assert f"http://127.0.0.1:{port}/_stcore/health" in dict(instructions)["HEALTHCHECK"] + text
    for folder in ("pages/", "ui/", "segcore/", "assets/", ".streamlit/"):
        assert f"COPY {folder} {folder}" in text


# --------------------------------------------------------------------------- a short run
@pytest.fixture
def class_server():
    """``deploy/serve-local.sh PORT 2`` in the foreground; yields PORT; SIGTERM at the end."""
    _nginx()
    port = _free_port_run(3)
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.Popen([str(DEPLOY / "serve-local.sh"), str(port), "2"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "serve-local.sh did not become healthy"
            time.sleep(0.5)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                raise


def test_serve_local_two_replicas_share_a_class(class_server, tmp_path):
    port, proc = class_server
    # nginx sets its own routing cookie, alternating over the replicas for new browsers
    routes = []
    for _ in range(4):
        _, headers, _ = _get(f"http://127.0.0.1:{port}/")
        match = re.fullmatch(r"seglab_route=(r[12]); Path=/; HttpOnly; SameSite=Lax",
                             headers["Set-Cookie"])
        assert match, headers["Set-Cookie"]
        routes.append(match.group(1))
    assert set(routes) == {"r1", "r2"}
    # a browser that sends the cookie back keeps its replica: its session opens there
    _, again, _ = _get(f"http://127.0.0.1:{port}/", {"Cookie": "seglab_route=r2"})
    assert "Set-Cookie" not in again
    before = [_sessions(port + 1), _sessions(port + 2)]
    tab = StreamlitClient(f"http://127.0.0.1:{port}", "thresholding")
    tab.http.cookies.set("seglab_route", "r2")
    tab.connect()
    tab.close()
    assert [_sessions(port + 1), _sessions(port + 2)] == [before[0], before[1] + 1]

    out = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadtest", f"http://127.0.0.1:{port}", "--users", "10",
         "--pages", "all", "--think", "1", "--duration", "25", "--spawn-rate", "5",
         "--settle", "1", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["errors"] == {}
    assert result["stats"]["open"]["n"] == 10
    assert result["stats"]["rerun"]["n"] >= 20
    sessions = [_sessions(port + 1), _sessions(port + 2)]
    assert min(sessions) >= 1, f"both replicas served sessions: {sessions}"
    assert sum(sessions) >= 10

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    for p in (port, port + 1, port + 2):
        with pytest.raises(OSError):
            _get(f"http://127.0.0.1:{p}/_stcore/health", timeout=2)
