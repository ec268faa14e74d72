#!/usr/bin/env bash
# Run SegLab as a class server on this machine: N Streamlit replicas behind
# nginx with cookie-sticky sessions, everything on 127.0.0.1, in the foreground.
#
#   deploy/serve-local.sh PORT N      e.g. deploy/serve-local.sh 8080 2
#
# nginx listens on 127.0.0.1:PORT (health: http://127.0.0.1:PORT/_stcore/health)
# and the replicas on PORT+1 ... PORT+N. All share one cookie secret
# ($SEGLAB_COOKIE_SECRET, or a random one for this run). The routing is the
# same as deploy/nginx.conf (deploy/nginx/*.conf, deploy/nginx-replicas.sh). SIGTERM or
# SIGINT (Ctrl-C) stops nginx and every replica; so does the exit of any of
# them. Needs nginx (Debian: apt-get install nginx) and the Python packages
# of requirements.txt ($PYTHON, default python3).
set -euo pipefail

if [ $# -ne 2 ] || ! [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 PORT N   (nginx on 127.0.0.1:PORT, N >= 1 replicas on PORT+1..PORT+N)" >&2
    exit 2
fi
port=$1
replicas=$2
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
nginx_bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$nginx_bin" ] || { echo "nginx not found (apt-get install nginx)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/seglab-serve.XXXXXX")
chmod 755 "$work"
pids=()

stop_all() {
    trap - EXIT TERM INT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 0' TERM INT

healthy() { "$python" - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/_stcore/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except OSError:
    sys.exit(1)
PY
}

wait_healthy() {  # url pid
    for _ in $(seq 240); do
        healthy "$1" && return 0
        kill -0 "$2" 2>/dev/null || { echo "process $2 for $1 exited" >&2; return 1; }
        sleep 0.5
    done
    echo "$1 did not become healthy" >&2
    return 1
}

# glibc malloc: two arenas instead of one per busy thread, and arrays of 1 MB or more
# mapped on their own, so freed memory goes back to the system (README "Hosting a class").
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-1048576}
export STREAMLIT_SERVER_COOKIE_SECRET=${SEGLAB_COOKIE_SECRET:-$("$python" -c 'import secrets; print(secrets.token_hex(32))')}
cd "$root"
for i in $(seq "$replicas"); do
    "$python" -m streamlit run app.py --server.port $((port + i)) --server.address 127.0.0.1 &
    pids+=($!)
done
for i in $(seq "$replicas"); do
    wait_healthy "http://127.0.0.1:$((port + i))" "${pids[$((i - 1))]}"
done

for d in body proxy fastcgi uwsgi scgi; do mkdir -p "$work/$d"; chmod 777 "$work/$d"; done
"$root/deploy/nginx-replicas.sh" $((port + 1)) "$replicas" > "$work/replicas.conf"
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
error_log stderr warn;
pid $work/nginx.pid;
events { worker_connections 2048; }
http {
    access_log off;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    include $root/deploy/nginx/seglab-routing.conf;
    include $work/replicas.conf;
    server {
        listen 127.0.0.1:$port;
        include $root/deploy/nginx/seglab-locations.conf;
    }
}
EOF
"$nginx_bin" -e stderr -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_healthy "http://127.0.0.1:$port" "$!"
echo "SegLab: http://127.0.0.1:$port/ ($replicas replicas on ports $((port + 1))-$((port + replicas)))"

# Stay in the foreground until a signal arrives or any process exits.
wait -n "${pids[@]}"
echo "a SegLab process exited; stopping the others" >&2
exit 1
