# otpd -n against PostgreSQL: connects and says OK; a password file group or others can read is refused,
# naming it; an unreachable database or a wrong password fails naming postgresql://HOST:PORT/DBNAME and
# why; the password is never in what otpd prints or logs, nor the URI's user.
. tests/otpd/lib.sh
. tests/pg/lib.sh
setup
pw=$(cat "$T/pgpass")
never_logged "$pw"
out=$("$OTPD" -n -c "$T/otpd.conf" 2>"$T/n.err") || fail "-n failed: $out $(cat "$T/n.err")"
[ "$out" = "configuration OK" ] || fail "-n said: $out"
ok "-n connects to PostgreSQL"

chmod 0644 "$T/pgpass"
if out=$("$OTPD" -n -c "$T/otpd.conf" 2>&1); then fail "-n took a 0644 password file"; fi
echo "$out" | grep -q "$T/pgpass: mode 0644" || fail "message does not name the file and mode: $out"
chmod 0600 "$T/pgpass"
ok "a password file others can read is refused: $out"

dead=$(free_port)
sed "s|@127.0.0.1:$PG_PORT/|@127.0.0.1:$dead/|" "$T/otpd.conf" >"$T/dead.conf"
if out=$("$OTPD" -n -c "$T/dead.conf" 2>&1); then fail "-n passed with nothing listening"; fi
echo "$out" | grep -q "postgresql://127.0.0.1:$dead/t_.*: cannot connect: .*refused" || fail "where/why missing: $out"
ok "nothing listening: $out"

printf 'not-the-password' >"$T/wrongpw" && chmod 0600 "$T/wrongpw"
sed "s|^database_password_file = .*|database_password_file = $T/wrongpw|" "$T/otpd.conf" >"$T/wrong.conf"
if out=$("$OTPD" -n -c "$T/wrong.conf" 2>&1); then fail "-n passed with a wrong password"; fi
echo "$out" | grep -q "cannot connect: .*password authentication failed" || fail "why missing: $out"
echo "$out" | grep -q -e "$pw" -e 'not-the-password' -e "$PG_ROLE@" && fail "a secret or the URI in the message: $out"
ok "wrong password: $out"

if out=$("$OTPD" -f -c "$T/dead.conf" 2>&1); then fail "otpd started with nothing listening"; fi
echo "$out" | grep -q "event=start reason=\"postgresql://127.0.0.1:$dead/" || fail "start message: $out"
start_otpd
grep -q "event=started .*database=postgresql://127.0.0.1:$PG_PORT/t_" "$T/otpd.log" || fail "started line"
grep -q "$PG_ROLE@" "$T/otpd.log" && fail "the URI's user in the log"
ok "start refused with the database down; the started line names host, port and database only"
