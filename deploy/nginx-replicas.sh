#!/usr/bin/env bash
# Print nginx's replica list for SegLab: N Streamlit processes on 127.0.0.1,
# ports FIRST_PORT .. FIRST_PORT+N-1 (nginx http context; see
# deploy/nginx/seglab-routing.conf for how the cookie routing works).
#
#   deploy/nginx-replicas.sh FIRST_PORT N > /etc/nginx/seglab/replicas.conf
#
# - upstream "seglab": every replica, round-robin, for a browser without cookie;
# - upstream "seglab_rI": replica I, the others as backups (a replica that is
#   down sends its students to another one, where they get a new session);
# - $seglab_target: the cookie's upstream ("seglab" for no or an unknown cookie);
# - $seglab_route_name: the route name of the replica that answered.
set -euo pipefail
if [ $# -ne 2 ] || ! [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 FIRST_PORT N" >&2
    exit 2
fi
first=$1
n=$2
server() { echo "    server 127.0.0.1:$1 max_fails=3 fail_timeout=10s$2;"; }

echo "upstream seglab {"
for i in $(seq 0 $((n - 1))); do server $((first + i)) ""; done
echo "    keepalive 16;"
echo "}"
for i in $(seq 1 "$n"); do
    echo "upstream seglab_r$i {"
    server $((first + i - 1)) ""
    for j in $(seq 1 "$n"); do
        [ "$j" -eq "$i" ] || server $((first + j - 1)) " backup"
    done
    echo "    keepalive 8;"
    echo "}"
done
echo "map \$cookie_seglab_route \$seglab_target {"
echo "    default seglab;"
for i in $(seq 1 "$n"); do echo "    r$i seglab_r$i;"; done
echo "}"
echo "map \$upstream_addr \$seglab_route_name {"
echo "    default \"\";"
for i in $(seq 1 "$n"); do echo "    127.0.0.1:$((first + i - 1)) r$i;"; done
echo "}"
