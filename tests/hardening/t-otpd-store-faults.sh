#!/bin/sh
# t-otpd-store-faults.sh - (tests/hardening: ~40 s, run once, not again under ASan)
# Storage faults. Map full (database_max_size = 1m) and disk full (the database on a 1 MB tmpfs this
# test mounts, partly taken by a filler file): the email step answers 503, the log says why, otpd stays
# up and /healthz answers; once space is freed (a bigger database_max_size and a restart; the filler
# removed, no restart) it works again, and every code acknowledged (202) before is mailed (every 7th
# code is typed and works).
# A corrupt or foreign data.mdb (random bytes, zeros, a truncated copy, garbage B-tree pages behind good
# meta pages, another program's LMDB environment): otpd refuses to start, naming the file, never dies
# of a signal (otpd/dbcheck.c reads it all in a child first).
cd "$(dirname "$0")/../.." || exit 2
. tests/otpd/lib.sh
setup "mail_interval = 0s" "ip_mails_per_hour = 100000" "ip_tries_per_hour = 100000"
# Two invitations of 200 guests each (a token holds at most 255): g0..g199 and g200..g399.
# shellcheck disable=SC2046
tok0=$(token $(seq 0 199 | sed 's/.*/g&@example.net/'))
# shellcheck disable=SC2046
tok1=$(token $(seq 200 399 | sed 's/.*/g&@example.net/'))
tok_of() { _n=${1#g}; _n=${_n%%@*}; [ "$_n" -lt 200 ] && echo "$tok0" || echo "$tok1"; }
# fill FROM TO - email steps for g<FROM>..g<TO> until 5 answers in a row are 503; 202s go to $T/acked
fill() {
	_bad=0
	for i in $(seq "$1" "$2"); do
		r=$(api "/api/v1/accept/$(tok_of "g$i")/email" "{\"email\":\"g$i@example.net\"}")
		case $r in
		'202 {"status":"accepted"}') echo "g$i@example.net" >>"$T/acked"; _bad=0 ;;
		'503 {"error":"unavailable"}') _bad=$((_bad + 1)); [ "$_bad" -ge 5 ] && return 0 ;;
		*) fail "g$i: $r" ;;
		esac
	done
	return 1
}
# all_delivered_and_working - each acknowledged guest's mail came; every 7th code works (sets DELIVERED)
all_delivered_and_working() {
	n=$(sort -u "$T/acked" | wc -l)
	wait_mails "$n" 30 || fail "only $(mail_count) of $n acknowledged mails delivered"
	# One pass over the sink: the newest code of each recipient.
	for f in $(ls -tr "$T/sink"); do
		tr -d '\r' <"$T/sink/$f" | awk '/^To: </ { to = substr($2, 2, length($2) - 2) } /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/ && to { print to, $1; exit }'
	done >"$T/codes"
	_i=0
	for g in $(sort -u "$T/acked"); do
		code=$(awk -v g="$g" '$1 == g { c = $2 } END { print c }' "$T/codes")
		[ -n "$code" ] || fail "no mail for $g"
		# Every mail is checked; every 7th code is typed (and the last acknowledged one), to keep it short.
		_i=$((_i + 1))
		[ $((_i % 7)) = 0 ] || [ "$g" = "$(tail -1 "$T/acked")" ] || continue
		r=$(api "/api/v1/accept/$(tok_of "$g")/code" "{\"email\":\"$g\",\"code\":\"$code\"}")
		[ "${r%% *}" = 200 ] || fail "$g's acknowledged code: $r"
	done
	DELIVERED=$n
}

# --- map full ---
echo "database_max_size = 1m" >>"$T/otpd.conf"
: >"$T/acked"
start_otpd
fill 0 398 || fail "map full: no 503 in 399 requests"
grep -q 'event=store_full max_size=1048576' "$T/otpd.log" || fail "map full: not in the log"
grep -q 'event=code_request .*outcome=store_full' "$T/otpd.log" || fail "map full: the request's outcome not logged"
[ "$(curl -s "$BASE/healthz")" = ok ] || fail "map full: /healthz"
kill -0 "$OTPD_PID" || fail "map full: otpd died"
ok "map full after $(wc -l <"$T/acked") codes: 503, store_full in the log, otpd up, /healthz ok"
kill_otpd
sed -i 's/^database_max_size = 1m/database_max_size = 16m/' "$T/otpd.conf"
start_sink
start_otpd
all_delivered_and_working
r=$(api "/api/v1/accept/$tok1/email" '{"email":"g399@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "after raising database_max_size: $r"
ok "database_max_size raised: all $DELIVERED acknowledged mails delivered, their codes work; new requests 202"
kill_otpd
stop_sink

# --- disk full ---
[ "$(id -u)" = 0 ] || { echo "ok: not root: no tmpfs, disk full not tested"; exit 0; }
mkdir "$T/mnt"
mount -t tmpfs -o size=1m,mode=0755 guestlink-test "$T/mnt" || fail "mount a tmpfs"
CLEANUP_HOOK='umount "$T/mnt"'
head -c 600k /dev/zero >"$T/mnt/filler"
sed -i "s|^database = .*|database = $T/mnt/db|; s/^database_max_size = .*/database_max_size = 64m/" "$T/otpd.conf"
rm -rf "$T/sink"/*
: >"$T/acked"
start_otpd
fill 0 398 || fail "disk full: no 503 in 399 requests"
grep -q 'event=store_error reason="No space left on device"' "$T/otpd.log" || fail "disk full: not in the log"
[ "$(curl -s "$BASE/healthz")" = ok ] || fail "disk full: /healthz"
kill -0 "$OTPD_PID" || fail "disk full: otpd died"
ok "disk full after $(wc -l <"$T/acked") codes: 503, 'No space left on device' in the log, otpd up"
rm "$T/mnt/filler"
r=$(api "/api/v1/accept/$tok1/email" '{"email":"g399@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "after freeing space (no restart): $r"
echo g399@example.net >>"$T/acked"
ok "space freed: 202 again without a restart"
start_sink
all_delivered_and_working
ok "all $DELIVERED acknowledged mails delivered, their codes work"
kill_otpd
umount "$T/mnt"
CLEANUP_HOOK=
sed -i "s|^database = .*|database = $T/db|" "$T/otpd.conf"

# --- corrupt or foreign data.mdb ---
cp "$T/db/data.mdb" "$T/good.mdb"
refused() { # refused WHAT WORDS - otpd will not start, names the file, exits 1 (not a signal)
	rc=0
	out=$(timeout 20 "$OTPD" -f -c "$T/otpd.conf" 2>&1) || rc=$?
	[ "$rc" = 1 ] || fail "$1: exit $rc (want 1): $out"
	echo "$out" | grep -q "level=fatal event=start reason=\"$T/db/data.mdb: $2" || fail "$1: said: $out"
}
head -c 65536 /dev/urandom >"$T/db/data.mdb"
refused "random bytes" "not an LMDB database file"
head -c 65536 /dev/zero >"$T/db/data.mdb"
refused "zeros" "not an LMDB database file"
head -c 4096 "$T/good.mdb" >"$T/db/data.mdb"
refused "truncated" "not an LMDB database file"
for seed in 1 2 3 4 5 6; do
	python3 - "$T/good.mdb" "$T/db/data.mdb" "$seed" <<'PY'
import random, sys
d = bytearray(open(sys.argv[1], "rb").read())
r = random.Random(int(sys.argv[3]))
for i in range(2 * 4096, len(d)):	# keep both meta pages, garble every B-tree page
    d[i] = r.randrange(256)
open(sys.argv[2], "wb").write(d)
PY
	refused "garbage pages (seed $seed)" ".*corrupt"
done
rm -f "$T/db/data.mdb" "$T/db/lock.mdb"
printf 'VERSION=3\nformat=print\ntype=btree\nmapsize=1048576\nHEADER=END\n users\n alice\nDATA=END\n' >"$T/foreign"
mdb_load -f "$T/foreign" "$T/db" || fail "mdb_load"
refused "another program's LMDB" "an LMDB database, but not otpd's"
rm -f "$T/db/data.mdb" "$T/db/lock.mdb"
printf 'VERSION=3\nformat=print\ntype=btree\nmapsize=1048576\nHEADER=END\n codes\n not a database\nDATA=END\n' >"$T/foreign"
mdb_load -f "$T/foreign" "$T/db" || fail "mdb_load"
refused "codes as a plain key" "an LMDB database, but not otpd's"
ok "corrupt or foreign data.mdb: refused with the file's name, exit 1, never a crash"
cp "$T/good.mdb" "$T/db/data.mdb"
rm -f "$T/db/lock.mdb"
start_otpd
ok "the good copy starts again"
