#!/bin/bash
# t-zz-logs.sh - no token, code, cookie or key in any log of the whole run.
#
# Runs last (tests/e2e/run.sh sorts by name). Every scenario before it left,
# in T_LOG_ARCHIVE/<test>/ (tests/lib/common.sh, _t_archive_logs), its logs
# (*.log: the milter's log and smtp-sink's; *.err; Postfix's maillog) and a
# never-logged.txt: every accept-link token its sink received, each key and
# secret file in hex and base64, and whatever the scenario itself put in a
# never-logged.txt of its own (otpd scenarios: codes, session cookies). This
# checks every log line of every scenario against
#   - the accept-link pattern /accept/[A-Za-z0-9_-]{40,},
#   - any run of 40 or more base64url characters (a token, a key, a cookie),
#   - every string in every never-logged.txt (grep -F);
# and, for runs with BUILD=build/asan, that no log holds a sanitizer report.
# More daemons' logs are checked as soon as their tests write them as *.log
# (or *.err, maillog) under T_DIR. A positive control proves the checks bite.
set -eu
. "$(dirname "$0")/../lib/common.sh"

: "${T_LOG_ARCHIVE:?run by tests/e2e/run.sh, which collects the logs of every scenario}"
A=$T_LOG_ARCHIVE
ALL_SECRETS="$T_DIR/never-logged.all"
LOGS="$T_DIR/logs.list"

find "$A" -mindepth 2 -type f ! -name never-logged.txt ! -path "$A/$T_NAME/*" | sort >"$LOGS"
cat "$A"/*/never-logged.txt 2>/dev/null | grep -v '^$' | sort -u >"$ALL_SECRETS" || true
n_tests=$(find "$A" -mindepth 1 -maxdepth 1 -type d ! -name "$T_NAME" | wc -l)
n_logs=$(wc -l <"$LOGS")
n_lines=$( (xargs -r -d '\n' cat <"$LOGS") | wc -l)
n_tokens=$(grep -c '^A[A-Za-z0-9_-]\{100,\}$' "$ALL_SECRETS" || true)
n_secrets=$(wc -l <"$ALL_SECRETS")
note "$n_logs logs from $n_tests scenarios, $n_lines lines; $n_secrets secret strings ($n_tokens tokens)"
if [ "$n_tests" -gt 0 ] && [ "$n_logs" -gt 0 ]; then ok "logs of $n_tests scenarios collected"; else fail "no logs collected (run all of tests/e2e/run.sh)"; fi
if [ "$(xargs -r -d '\n' grep -l 'event=invitation ' <"$LOGS" | wc -l)" -gt 0 ]; then
	ok "the milter logs are among them"
else
	fail "no milter log with an invitation among the collected logs"
fi
if [ "$n_tokens" -gt 0 ]; then ok "the tokens delivered in the run are known ($n_tokens)"; else fail "no delivered token collected"; fi

# scan PATTERN_KIND FILE... - print matching lines, "file:line"
scan_re() { xargs -r -d '\n' grep -HnE -- "$1" <"$LOGS" || true; }
scan_fixed() { [ -s "$ALL_SECRETS" ] && xargs -r -d '\n' grep -HnF -f "$ALL_SECRETS" <"$LOGS" || true; }

hits=$(scan_re '/accept/[A-Za-z0-9_-]{40,}')
expect_eq "$hits" "" "no accept link in any log line"
hits=$(scan_re '[A-Za-z0-9_-]{40,}')
expect_eq "$hits" "" "no run of 40+ base64url characters in any log line"
hits=$(scan_fixed)
expect_eq "$hits" "" "no delivered token, key or secret (hex or base64) in any log line"
# With BUILD=build/asan the daemons report memory errors and leaks to their
# logs instead of failing a check: none may be there either.
hits=$(scan_re 'ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|runtime error: |Sanitizer has encountered')
expect_eq "$hits" "" "no sanitizer report in any log (ASan/UBSan builds)"

# Positive control: the same checks on a log that does leak.
tok=$(grep -m1 '^A[A-Za-z0-9_-]\{100,\}$' "$ALL_SECRETS" || echo "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
mkdir -p "$T_DIR/control"
printf 'guestlink-milter[1]: level=info event=oops link=https://guest.example.org/accept/%s\n' "$tok" >"$T_DIR/control/leak.log"
key=$(grep -m1 -E '^[0-9a-f]{64}$' "$ALL_SECRETS" || echo 00)
printf 'otpd[1]: level=info event=oops k=%s\n' "${key:0:64}" >"$T_DIR/control/key.log"
saved=$LOGS
LOGS="$T_DIR/control.list"
find "$T_DIR/control" -type f >"$LOGS"
expect_match "$(scan_re '/accept/[A-Za-z0-9_-]{40,}')" 'leak\.log' "control: a leaked accept link is found"
expect_match "$(scan_fixed)" 'leak\.log' "control: a leaked token is found by its value"
expect_match "$(scan_fixed)" 'key\.log' "control: a leaked key in hex is found"
LOGS=$saved
t_done
