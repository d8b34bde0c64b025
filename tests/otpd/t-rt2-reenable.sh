# Red team 2, finding 03: a guest disabled for inactivity and then invited by ANOTHER inviter to another
# resource (B) gets B only. The old resource (A, whose inviter got the "disabled" notice saying "send the
# invitation again") stays refused at /auth until A's inviter sends A's invitation again; then A passes too.
# (Today any invitation re-enables the guest record and every old invitation in it comes back.)
# The clock moves by config as in t-lifecycle.sh: guest_inactive_disable = 2s for one start.
. tests/otpd/lib.sh
OLD=$RESOURCE                              # A: invited by staff@example.org
NEW=https://wiki.example.org/space/7      # B: invited later by bob@example.org
LOCATION_ALLOW=$NEW                        # the resource link on B's pages
setup "mail_interval = 0s" "mails_per_hour = 100" "guest_inactive_disable = 1h" "guest_disabled_delete = 0"
start_sink
start_otpd
G=guest@example.net
guest_line() { "$OTPCTL" -c "$T/otpd.conf" guests | grep "\"email\":\"$G\""; }

tok=$(token $G) || fail mktoken
html_accept "$tok" $G
setup_page
[ "$(mfa_post /mfa/setup "$(totp "$SECRET")")" = 200 ] || fail "enrolment"
[ "$(auth "$OLD")" = 200 ] || fail "/auth for A after enrolment"

# Inactive: the sweeper disables the guest.
restart_with guest_inactive_disable 2s
for _ in $(seq 100); do guest_line | grep -q '"state":"disabled"' && break; sleep 0.1; done
guest_line | grep -q '"state":"disabled"' || fail "not disabled: $(guest_line)"
restart_with guest_inactive_disable 1h
sleep 1
ok "disabled for inactivity"

# Bob invites the same guest to B, an unrelated resource.
tok2=$("$MKTOKEN" "$SIGNING_KEY" bob@example.org "$NEW" 0 86400 $G) || fail mktoken
never_logged "$tok2"
: >"$T/jar"
html_accept "$tok2" $G
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page: $(head -c 300 "$T/pg")"
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] || fail "TOTP for B: $(head -c 300 "$T/pg")"
[ "$(auth "$NEW")" = 200 ] || fail "/auth for bob's B"
s=$(auth "$OLD")
[ "$s" = 401 ] || fail "re-enabled by bob's invitation to B: /auth for alice's A -> $s, want 401 (A was not sent again)"
ok "bob's invitation gives B only: /auth for A 401"

# Alice sends A's invitation again: now A passes too (and B still does).
sleep 31   # a TOTP step later than the one used for B
tok3=$(token $G) || fail mktoken
: >"$T/jar"
html_accept "$tok3" $G
[ "$(page "$BASE/mfa/verify")" = 200 ] || fail "verify page: $(head -c 300 "$T/pg")"
[ "$(mfa_post /mfa/verify "$(totp "$SECRET" $(($(date +%s) + 30)))")" = 200 ] || fail "TOTP for A again: $(head -c 300 "$T/pg")"
s=$(auth "$OLD")
[ "$s" = 200 ] || fail "A's invitation sent again: /auth for A -> $s"
[ "$(auth "$NEW")" = 200 ] || fail "A's invitation sent again: /auth for B no longer passes"
ok "A's inviter sent it again: A and B pass"
