#!/usr/bin/env bash
# A private, throwaway PostgreSQL server on loopback for the store's tests and crash drill,
# reachable over TLS only: a throwaway CA (DIR/ca.pem) signs its certificate (for
# 127.0.0.1 and localhost), pg_hba accepts hostssl only, and the URL printed asks for
# sslmode=verify-full against that CA. DIR/other-ca.pem is an unrelated CA, for tests
# that check a certificate from the wrong authority is refused.
#   Scripts/postgres_server.sh start DIR   → initialises DIR, starts the server, prints its URL
#   Scripts/postgres_server.sh stop DIR    → stops it (DIR can then be removed)
# Installs Debian's postgresql if its binaries are missing. Runs the server as the
# 'postgres' system user when invoked as root (PostgreSQL refuses to run as root).
set -euo pipefail
die() { echo "postgres_server: error: $*" >&2; exit 1; }
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: postgres_server.sh start|stop DIR"

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(bindir)" ]; then
  echo "postgres_server: installing postgresql from Debian" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
    || die "apt-get install postgresql failed"
fi
bin="$(bindir)"
[ -x "$bin/initdb" ] || die "no initdb under /usr/lib/postgresql/*/bin"
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || die "no 'postgres' system user to run the server as"
      chown postgres "$dir"
      runuser -u postgres -- test -w "$dir" \
        || die "the postgres user cannot reach $dir (make its parent folders traversable, e.g. chmod 755)"
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
      || die "initdb failed: $(tail -5 "$dir/initdb.log")"
    command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
    tls="$dir/tls"; mkdir -p "$tls"
    {
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=biomatch test CA" \
        -keyout "$tls/ca.key" -out "$dir/ca.pem"
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=unrelated test CA" \
        -keyout "$tls/other-ca.key" -out "$dir/other-ca.pem"
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr"
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tls/ext.cnf"
      openssl x509 -req -in "$tls/server.csr" -CA "$dir/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$tls/ext.cnf" -out "$tls/server.crt"
    } >"$dir/tls.log" 2>&1 || die "the test certificates could not be made: $(tail -3 "$dir/tls.log")"
    cp "$tls/server.crt" "$tls/server.key" "$dir/data/"
    chmod 600 "$dir/data/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/data/server.crt" "$dir/data/server.key"
    chmod 644 "$dir/ca.pem" "$dir/other-ca.pem"
    # TLS only over TCP; the Unix socket stays for the script's own administration.
    printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n' | as_owner tee "$dir/data/pg_hba.conf" >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key" start >/dev/null \
      || die "the server did not start: $(tail -5 "$dir/server.log" 2>/dev/null)"
    echo "$port" > "$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$dir/ca.pem"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) die "usage: postgres_server.sh start|stop DIR" ;;
esac
