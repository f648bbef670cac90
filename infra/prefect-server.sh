#!/usr/bin/env bash
# Start or stop a local Prefect server for ecocluster's deployments and UI.
#
#   infra/prefect-server.sh start [DIR]   # prints the API URL; state (SQLite db, log, pid) in DIR
#   infra/prefect-server.sh stop  [DIR]
#   infra/prefect-server.sh url   [DIR]
#
# DIR defaults to $ECOCLUSTER_HOME/prefect-server (or ./.ecocluster/prefect-server). The server
# listens on 127.0.0.1 only, on a free port, with analytics off; then run
#   PREFECT_API_URL=$(infra/prefect-server.sh url) ecocluster serve
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"
dir="${2:-${ECOCLUSTER_HOME:-.ecocluster}/prefect-server}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

export PREFECT_HOME="$dir"
export PREFECT_API_DATABASE_CONNECTION_URL="sqlite+aiosqlite:///$dir/prefect.db"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 PREFECT_LOGGING_LEVEL=WARNING

case "${1:-}" in
start)
    if [[ -f "$dir/server.pid" ]] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
        cat "$dir/api-url"; exit 0
    fi
    port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # The UI asks /ui-settings where the API is; without these it answers Prefect's default port 4200.
    export PREFECT_SERVER_API_HOST=127.0.0.1 PREFECT_SERVER_API_PORT="$port"
    export PREFECT_SERVER_UI_API_URL="http://127.0.0.1:$port/api"
    nohup "$py" -m prefect server start --host 127.0.0.1 --port "$port" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/server.pid"
    echo "http://127.0.0.1:$port/api" >"$dir/api-url"
    for _ in $(seq 1 120); do
        if "$py" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/health', timeout=1)" \
            "$(cat "$dir/api-url")" 2>/dev/null; then
            cat "$dir/api-url"; exit 0
        fi
        kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || { echo "server exited; see $dir/server.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "server did not answer within 60 s; see $dir/server.log" >&2; exit 1
    ;;
stop)
    if [[ -f "$dir/server.pid" ]]; then
        kill "$(cat "$dir/server.pid")" 2>/dev/null || true
        rm -f "$dir/server.pid" "$dir/api-url"
    fi
    ;;
url)
    cat "$dir/api-url"
    ;;
*)
    echo "usage: $0 start|stop|url [DIR]" >&2; exit 2
    ;;
esac
