# tests/lib/submission.sh - the submission service staff's mail clients use:
# STARTTLS, then SMTP AUTH checked by Dovecot, on a private Postfix (bash,
# sourced after common.sh and postfix.sh). Used by tests/e2e/t-submission-*.sh,
# the browser test and the demo.
#
#   sub_add PF_DIR PORT
#       after pf_create, before pf_start: a listener on 127.0.0.1:PORT with
#       the -o lines of contrib/postfix/master.cf.snippet's "submission"
#       service as they stand (chroot n; its login map is
#       contrib/postfix/sender_login_maps.regexp, copied), a self-signed
#       certificate made here with openssl ($SUB_CERT), and main.cf's
#       guestlink_milter (the milter of pf_create) and dkim_milters (none).
#   dovecot_start PF_DIR
#       after pf_start: Dovecot as an auth-only service (protocols empty),
#       run as root with its base_dir in PF_DIR/dovecot, a passwd-file of the
#       test users, its auth listener at PF_DIR/spool/private/auth (what
#       smtpd_sasl_path = private/auth names). PID in DOVECOT_PID, log in
#       PF_DIR/dovecot/dovecot.log; stopped at exit.
#   submit FILE USER PASS FROM RCPT...
#       swaks --tls --auth PLAIN to $SUB_PORT; like smtp_send (tests/lib/e2e.sh):
#       transcript in $SMTP_OUT, final reply or first refusal in $SMTP_REPLY,
#       swaks' exit status returned. SUBMIT_OPTS (word-split) adds swaks options.
#
# The test users (passwd-file, plain passwords):
#   alice@example.org / alice-secret    bob@example.org / bob-secret
#   carol / carol-secret                (a bare login: carol@example.org by login_domain)
#   staff@example.org / staff-secret    (the browser test's and the demo's inviter)

SUB_USERS="alice@example.org:alice-secret bob@example.org:bob-secret carol:carol-secret staff@example.org:staff-secret"

# sub_cert DIR - a self-signed certificate for the test host (P-256: quick to make)
sub_cert() {
	local dir=$1
	mkdir -p "$dir"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=mx.guestlink-test.invalid" -keyout "$dir/key.pem" -out "$dir/cert.pem" \
		>"$dir/openssl.out" 2>&1 || die "openssl could not make a certificate: $(cat "$dir/openssl.out")"
	chmod 0600 "$dir/key.pem"
	SUB_CERT=$dir/cert.pem
}

# sub_snippet_opts - the -o lines of the snippet's submission service, one line
_sub_snippet_opts() {
	sed -n '/^submission inet/,/^[^ ]/p' "$T_SRC/contrib/postfix/master.cf.snippet" | grep -E '^  -o ' | tr '\n' ' '
}

sub_add() {
	local dir=$1 port=$2 opts milter
	SUB_PORT=$port
	sub_cert "$dir/tls"
	sed 's|^#.*||' "$T_SRC/contrib/postfix/sender_login_maps.regexp" >"$dir/etc/sender_login_maps.regexp"
	opts=$(_sub_snippet_opts)
	[ -n "$opts" ] || die "no submission service in contrib/postfix/master.cf.snippet"
	opts=${opts//\/etc\/postfix\//$dir\/etc\/}
	milter=$(postconf -c "$dir/etc" -h non_smtpd_milters)
	postconf -c "$dir/etc" -e \
		"guestlink_milter=$milter" \
		"dkim_milters=" \
		"smtpd_tls_cert_file=$dir/tls/cert.pem" \
		"smtpd_tls_key_file=$dir/tls/key.pem" \
		"smtpd_tls_loglevel=1"
	# tlsmgr: smtpd's TLS session cache and entropy (without it smtpd disables TLS)
	printf '127.0.0.1:%s inet n - n - - smtpd\n%s\ntlsmgr unix - - n 1000? 1 tlsmgr\n' "$port" \
		"$(printf '%s' "$opts" | sed 's/ -o /\n  -o /g')" >>"$dir/etc/master.cf"
}

dovecot_start() {
	local pf=$1 d u
	d=$pf/dovecot
	mkdir -p "$d/run" "$d/state"
	: >"$d/users"
	for u in $SUB_USERS; do
		printf '%s:{PLAIN}%s::::::\n' "${u%%:*}" "${u#*:}" >>"$d/users"
	done
	chmod 0600 "$d/users"
	chown dovecot "$d/users"	# the auth process reads it as default_internal_user
	# Postfix makes private/ at start; make sure it is there before Dovecot binds in it.
	mkdir -p "$pf/spool/private"
	cat >"$d/dovecot.conf" <<EOF
# auth-only Dovecot for a test (tests/lib/submission.sh): no IMAP/POP3, no TLS
# of its own; Postfix's smtpd asks it over private/auth.
protocols =
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
ssl = no
auth_mechanisms = plain login
# Postfix offers AUTH only after STARTTLS (smtpd_tls_auth_only) and tells
# Dovecot the session is secured; that is what allows plain passwords here.
disable_plaintext_auth = yes
auth_verbose = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener $pf/spool/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
EOF
	bg_start dovecot "$d/dovecot.out" dovecot -F -c "$d/dovecot.conf"
	DOVECOT_PID=$BG_PID
	if ! wait_for_socket "$pf/spool/private/auth" 15; then
		cat "$d/dovecot.out" "$d/dovecot.log" >&2 2>/dev/null || true
		die "dovecot did not create $pf/spool/private/auth"
	fi
}

submit() {
	local file=$1 user=$2 pass=$3 from=$4 rc=0
	shift 4
	local to
	to=$(IFS=,; echo "$*")
	SMTP_OUT="$T_DIR/swaks.$RANDOM.out"
	# shellcheck disable=SC2086 # SUBMIT_OPTS is a list of options on purpose
	head -c -1 "$file" | swaks --server "127.0.0.1:$SUB_PORT" --helo client.example.org --tls \
		--auth PLAIN --auth-user "$user" --auth-password "$pass" ${SUBMIT_OPTS:-} \
		--from "$from" --to "$to" --data - --timeout 60 >"$SMTP_OUT" 2>&1 || rc=$?
	# Over TLS swaks marks replies "<~ " and refusals "<~* " (in clear "<** ").
	SMTP_REPLY=$(grep -E '^<(\*\*|~\*) ' "$SMTP_OUT" | head -1 | cut -c5-)
	if [ -z "$SMTP_REPLY" ]; then
		SMTP_REPLY=$(grep -E '^<[-~] +250 .*queued' "$SMTP_OUT" | tail -1 | sed 's/^<[-~] *//')
	fi
	return "$rc"
}
