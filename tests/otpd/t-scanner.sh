# A link scanner (as mail security gateways run) fetches the accept link and
# then every link and resource of every page it finds, with GET and HEAD,
# before the guest does: nothing is spent, no mail goes out, and the guest
# then gets in as if no scanner had been there.
. tests/otpd/lib.sh
setup
start_sink
start_otpd
tok=$(token guest@example.net)
seen="$T/scanned"
: >"$seen"
queue="$BASE/accept/$tok $BASE/accept/$tok?lang=nl $BASE/accept/$tok?lang=en $BASE/login $BASE/mfa/setup $BASE/mfa/verify"
# crawl - GET and HEAD each URL of the queue, add every same-origin href/src/action found (two levels)
for depth in 1 2; do
	next=""
	for u in $queue; do
		grep -qxF "$u" "$seen" && continue
		echo "$u" >>"$seen"
		curl -s -o "$T/crawl.html" "$u" || true
		curl -s -I -o /dev/null "$u" || true
		for l in $(sed -n 's/.*\(href\|src\|action\)="\([^"]*\)".*/\2/p' "$T/crawl.html" | sed 's/&amp;/\&/g'); do
			case "$l" in
			/*) next="$next $BASE$l" ;;
			"$BASE"*) next="$next $l" ;;
			esac
		done
	done
	queue=$next
done
n=$(wc -l <"$seen")
[ "$n" -ge 6 ] || fail "the scanner fetched only $n URLs"
sleep 1
[ "$(mail_count)" = 0 ] || fail "a scanner's GETs sent $(mail_count) mail(s)"
"$OTPCTL" -c "$T/otpd.conf" invitations 2>/dev/null | grep -q '"state":"redeemed"' && fail "a GET redeemed the invitation"
# The guest after the scanner: a code, and it works.
r=$(api "/api/v1/accept/$tok/email" '{"email":"guest@example.net"}')
[ "$r" = '202 {"status":"accepted"}' ] || fail "email step after the scanner: $r"
wait_mails 1 10 || fail "no code mail after the scanner"
r=$(api "/api/v1/accept/$tok/code" "{\"email\":\"guest@example.net\",\"code\":\"$(latest_code)\"}")
case "$r" in 200*'"status":"ok"'*) ;; *) fail "code after the scanner: $r" ;; esac
ok "a scanner fetched $n URLs with GET and HEAD: no mail, nothing spent; the guest got in afterwards"
