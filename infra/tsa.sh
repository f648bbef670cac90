#!/usr/bin/env bash
# Start or stop a home's RFC 3161 timestamp authority (ecocluster's own, certified by the home's
# accreditation-body CA: the demo's setup) on 127.0.0.1.
#
#   infra/tsa.sh start [HOME]   # creates <HOME>/pki/tsa on first use; prints the URL
#   infra/tsa.sh stop  [HOME]
#   infra/tsa.sh url   [HOME]
#
# HOME defaults to $ECOCLUSTER_HOME (or ./.ecocluster). ECOCLUSTER_CA_PASSWORD opens the CA key the
# first time (to certify the TSA); ECOCLUSTER_TSA_PASSWORD encrypts and opens the TSA key. Then
#   ECOCLUSTER_TSA_URL=$(infra/tsa.sh url) ecocluster approve …     (or [signing] tsa_url)
# `ecocluster demo` needs none of this: it serves the home's TSA itself while it signs.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"
home="${2:-${ECOCLUSTER_HOME:-.ecocluster}}"
mkdir -p "$home/pki/tsa"
home="$(cd "$home" && pwd)"
state="$home/pki/tsa"

case "${1:-}" in
start)
    if [[ -f "$state/server.pid" ]] && kill -0 "$(cat "$state/server.pid")" 2>/dev/null; then
        cat "$state/url"; exit 0
    fi
    : "${ECOCLUSTER_TSA_PASSWORD:?set ECOCLUSTER_TSA_PASSWORD to the TSA key password}"
    if [[ ! -f "$state/key.pem" ]]; then
        : "${ECOCLUSTER_CA_PASSWORD:?set ECOCLUSTER_CA_PASSWORD: the CA certifies the new TSA}"
        "$py" - "$home" <<'PY'
import os, sys
from pathlib import Path
from ecocluster.signing import _keys, _pki, _tsa
from ecocluster.core.home import Home
home = Home.resolve(Path(sys.argv[1]))
ca = _keys.ca_dir(home)
key = _pki.load_key(ca / "ca.key", os.environ["ECOCLUSTER_CA_PASSWORD"].encode())
_tsa.create_tsa(key, _pki.load_certs((ca / "ca.pem").read_bytes())[0], _tsa.TsaFiles(_tsa.tsa_dir(home)),
                os.environ["ECOCLUSTER_TSA_PASSWORD"].encode(), name="Timestamp Authority")
PY
    fi
    rm -f "$state/url"
    nohup "$py" -m ecocluster.signing._tsa --home "$home" >"$state/server.log" 2>&1 &
    echo $! >"$state/server.pid"
    for _ in $(seq 1 120); do
        if line="$(grep -m1 '^TSA listening on ' "$state/server.log" 2>/dev/null)"; then
            echo "${line#TSA listening on }" | tee "$state/url"; exit 0
        fi
        kill -0 "$(cat "$state/server.pid")" 2>/dev/null || { echo "TSA exited; see $state/server.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "TSA did not start within 60 s; see $state/server.log" >&2; exit 1
    ;;
stop)
    if [[ -f "$state/server.pid" ]]; then
        kill "$(cat "$state/server.pid")" 2>/dev/null || true
        rm -f "$state/server.pid" "$state/url"
    fi
    ;;
url)
    cat "$state/url"
    ;;
*)
    echo "usage: $0 start|stop|url [HOME]" >&2; exit 64
    ;;
esac
