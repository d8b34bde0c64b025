# tests/lib/pg.sh - a private PostgreSQL 15 cluster on loopback, for tests and the bench (POSIX sh, sourced).
#
#   pg_start DIR      initdb in DIR/data as the unprivileged PG_OS_USER (made once with adduser),
#                     socket in DIR/sock, a free port on 127.0.0.1, role $PG_ROLE with a random password
#                     (DIR/password, 0600); sets PG_PORT, PG_SOCK, PG_DIR, PG_PASSWORD_FILE, PG_PID_DIR.
#   pg_createdb NAME  a database owned by $PG_ROLE; prints its URI (no password in it)
#   pg_psql SQL...    psql as the cluster's superuser over the private socket
#   pg_restart        pg_ctl restart -m fast (every connection is dropped)
#   pg_stop           pg_ctl stop -m immediate, then removes DIR/data
#
# Nothing here kills by name: the cluster is stopped through its own data directory.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_OS_USER=${PG_OS_USER:-guestlink-pgtest}
PG_ROLE=${PG_ROLE:-otpd}
PG_DIR=${PG_DIR:-}

pg_start() {
	PG_DIR=$1
	[ -x "$PG_BIN/initdb" ] || { echo "pg.sh: $PG_BIN/initdb missing (scripts/deps.sh check installs postgresql-15)" >&2; return 1; }
	id -u "$PG_OS_USER" >/dev/null 2>&1 ||
		adduser --system --group --no-create-home --quiet "$PG_OS_USER" >/dev/null 2>&1 ||
		id -u "$PG_OS_USER" >/dev/null 2>&1 || { echo "pg.sh: cannot create user $PG_OS_USER" >&2; return 1; }
	mkdir -p "$PG_DIR/data" "$PG_DIR/sock" "$PG_DIR/log"
	chmod 0700 "$PG_DIR/data"
	chmod 0755 "$PG_DIR"
	chown "$PG_OS_USER:$PG_OS_USER" "$PG_DIR/data" "$PG_DIR/sock" "$PG_DIR/log"
	PG_SOCK=$PG_DIR/sock
	PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	runuser -u "$PG_OS_USER" -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_OS_USER" -E UTF8 --locale=C -N \
		--auth-local=peer --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
		{ cat "$PG_DIR/initdb.log" >&2; return 1; }
	cat >>"$PG_DIR/data/postgresql.conf" <<EOC
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 32MB
EOC
	cat >"$PG_DIR/data/pg_hba.conf" <<EOC
local all $PG_OS_USER peer
host all $PG_ROLE 127.0.0.1/32 scram-sha-256
EOC
	runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log/pg.log" -w -t 60 start >/dev/null ||
		{ tail -20 "$PG_DIR/log/pg.log" >&2; return 1; }
	_pw=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
	PG_PASSWORD_FILE=$PG_DIR/password
	(umask 077 && printf '%s' "$_pw" >"$PG_PASSWORD_FILE")
	pg_psql "CREATE ROLE $PG_ROLE LOGIN PASSWORD '$_pw'" >/dev/null || return 1
	export PG_DIR PG_SOCK PG_PORT PG_PASSWORD_FILE PG_OS_USER PG_ROLE
}

pg_psql() {
	runuser -u "$PG_OS_USER" -- "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" \
		-U "$PG_OS_USER" -d "${PG_PSQL_DB:-postgres}" -At -c "$*"
}

pg_createdb() {
	pg_psql "CREATE DATABASE \"$1\" OWNER $PG_ROLE" >/dev/null || return 1
	echo "postgresql://$PG_ROLE@127.0.0.1:$PG_PORT/$1"
}

pg_restart() {
	runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log/pg.log" -w -t 60 -m fast restart >/dev/null
}

pg_stop_only() {
	runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 30 -m fast stop >/dev/null 2>&1
}

pg_start_again() {
	runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log/pg.log" -w -t 60 start >/dev/null
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 0
	runuser -u "$PG_OS_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 30 -m immediate stop >/dev/null 2>&1
	rm -rf "$PG_DIR/data" "$PG_DIR/sock" "$PG_DIR/log"
}
