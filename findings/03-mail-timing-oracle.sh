#!/bin/bash
# Red team 5, finding 03: the email step's answer is slower when a mail really goes (a Bcc guest of the
# link, or a known guest at /login) than for a made-up address, by ~0.3-0.6 ms at the median on loopback.
# The cause is not the transaction (the decoy does the same writes) but what follows it: email_run()
# calls outbox_kick() before the answer is sent, and the outbox thread wakes at once (read transaction,
# decrypting the mail, SMTP through libcurl, then a write transaction with its fsync) while the worker is
# still sending the answer; on a busy 2-core host that delays it. tests/otpd/t-enumeration.sh does not see
# it because its sink holds every mail for 1 s, so the outbox thread is asleep in SMTP when the next kick
# comes; with a relay that answers at once (the normal case) it shows. With a relay that accepts and never
# answers the difference is gone (47/80, 0.09 ms), with smtp-sink it is there (57-61 of 80 pairs, +0.3 to
# +0.6 ms). Each sample for a candidate is a real mail to them, so with the defaults a link holder gets
# ~5-11 samples an hour per candidate (mail_interval, mails_per_hour; then resend_limit for both); the
# stranger's side can be sampled at will. Statistical: exit 1 when the guest's step is slower by > 0.2 ms
# at the median and in > 60 % of the pairs, at the accept API (Bcc guest vs stranger) or at /login (known
# guest vs stranger).
cd "$(dirname "$0")/.." || exit 2
. tests/otpd/lib.sh
# Limits opened only to take 80 samples in a minute (see above for the defaults).
setup "mail_interval = 0s" "mails_per_hour = 1000" "ip_mails_per_hour = 100000" "ip_tries_per_hour = 100000"
start_sink
start_otpd
G=bcc-guest@example.net
tok=$(token visible@example.net $G) || fail mktoken
works=0
python3 findings/03-mail-timing.py 127.0.0.1 "$HTTP_PORT" accept $G stranger@example.net 80 "$tok" || works=1
html_accept "$tok" $G   # now a known guest for /login
: >"$T/jar"
python3 findings/03-mail-timing.py 127.0.0.1 "$HTTP_PORT" login $G stranger@example.net 80 || works=1
if [ $works = 1 ]; then
	echo "ATTACK WORKS: the email step's timing tells a guest (a mail went) from a made-up address" >&2
	exit 1
fi
ok "no timing difference seen"
exit 0
