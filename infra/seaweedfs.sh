#!/usr/bin/env bash
# Start or stop a local SeaweedFS (`weed mini`: master, volume, filer, S3 in one process) for the
# tests and the demo of the real S3 path. Every port is picked free at start, so several copies
# (parallel test runs, a demo) can run on one machine; the S3 endpoint is printed and written to
# DIR/endpoint. Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (defaults below).
#
# Only the S3 API accepts requests, and everything listens on 127.0.0.1 only. `weed mini` also
# runs a filer, a master and a volume server whose HTTP APIs take no credentials: a plain HTTP
# DELETE on the filer, or a GET of the master's /col/delete, destroys a COMPLIANCE-locked version
# the S3 API refuses to touch. So:
#   -disableHttp        the master's and the filer's HTTP APIs are not served at all (nor the
#                       Iceberg and Lance catalogs: port 0);
#   WEED_JWT_*          random keys made at each start and handed to this process only (never
#                       written to disk): the volume server then refuses a read, write or delete
#                       without a token the master signed for that file id, and a filer HTTP API, if
#                       one is ever enabled, every request without a token the S3 gateway signed.
#   gRPC mutual TLS     the components talk gRPC, which has no other authentication (`weed shell`
#                       over it deletes anything): DIR/security.toml names a CA and one certificate
#                       made at each start (the CA's key is discarded once it has signed), files 0600
#                       in DIR/tls; weed reads ./security.toml, so it runs in DIR. An operator runs
#                       `cd DIR && weed shell -master=127.0.0.1:PORT.GRPCPORT`.
# Beyond one machine see infra/scale-out.md (S3 behind TLS only; the rest on a private network).
#
#   infra/seaweedfs.sh start DIR   # prints http://127.0.0.1:PORT once S3 answers (~1-10 s)
#   infra/seaweedfs.sh stop DIR    # stops the server started in DIR; data stays in DIR/data
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
weed="${WEED:-$here/../.venv/bin/weed}"
cmd="${1:-}"; dir="${2:-}"
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|stop DIR" >&2; exit 64; }
mkdir -p "$dir/data"; dir="$(cd "$dir" && pwd)"

free_ports() {  # N distinct free TCP ports on 127.0.0.1
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

grpc_tls() {  # a CA that signs one certificate for every component, then forgets its key; DIR/security.toml
  local tls="$1/tls" part
  rm -rf "$tls"; mkdir -m 700 "$tls"
  ( umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj /CN=ecocluster-seaweedfs-ca -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=ecocluster-seaweedfs \
      -keyout "$tls/node.key" -out "$tls/node.csr" 2>/dev/null
    openssl x509 -req -days 3650 -in "$tls/node.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
      -out "$tls/node.crt" 2>/dev/null
    rm -f "$tls/ca.key" "$tls/ca.srl" "$tls/node.csr"
    { printf '[grpc]\nca = "%s"\n' "$tls/ca.crt"
      for part in master volume filer s3 admin client; do
        printf '[grpc.%s]\ncert = "%s"\nkey = "%s"\n' "$part" "$tls/node.crt" "$tls/node.key"
      done; } >"$1/security.toml" )
}

case "$cmd" in
start)
  if [[ -f "$dir/weed.pid" ]] && kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null; then
    cat "$dir/endpoint"; exit 0
  fi
  read -r s3 s3g master masterg volume volumeg filer filerg admin admg debug s3debug <<<"$(free_ports 12)"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-ecocluster}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-ecocluster-secret}"
  # Tokens live 10 s and only this process signs and checks them: fresh keys at every start.
  read -r jwt jwt_read jwt_filer jwt_filer_read <<<"$(python3 -c 'import secrets; print(*(secrets.token_hex(32) for _ in range(4)))')"
  grpc_tls "$dir"
  cd "$dir"  # weed reads ./security.toml first
  WEED_JWT_SIGNING_KEY="$jwt" WEED_JWT_SIGNING_READ_KEY="$jwt_read" WEED_JWT_FILER_SIGNING_KEY="$jwt_filer" WEED_JWT_FILER_SIGNING_READ_KEY="$jwt_filer_read" \
  nohup "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -admin.ui=false \
    -master.telemetry=false -webdav=false -disableHttp \
    -filer.localSocket="$dir/filer.sock" -s3.localSocket="$dir/s3.sock" \
    -s3.port="$s3" -s3.port.grpc="$s3g" -master.port="$master" -master.port.grpc="$masterg" \
    -volume.port="$volume" -volume.port.grpc="$volumeg" -filer.port="$filer" -filer.port.grpc="$filerg" \
    -admin.port="$admin" -admin.port.grpc="$admg" -s3.port.iceberg=0 -s3.port.lance=0 \
    -debug.port="$debug" -s3.debug.port="$s3debug" \
    >"$dir/weed.log" 2>&1 </dev/null &
  echo $! >"$dir/weed.pid"
  endpoint="http://127.0.0.1:$s3"
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "$endpoint/"; then
      echo "$endpoint" >"$dir/endpoint"; echo "$endpoint"; exit 0
    fi
    kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "SeaweedFS did not start; see $dir/weed.log:" >&2; tail -20 "$dir/weed.log" >&2; exit 1
  ;;
stop)
  [[ -f "$dir/weed.pid" ]] || exit 0
  pid="$(cat "$dir/weed.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/weed.pid" "$dir/endpoint" "$dir/filer.sock" "$dir/s3.sock"
  rm -rf "$dir/tls" "$dir/security.toml"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
