#!/usr/bin/env bash
# mailflow.sh - what the milter costs Postfix: the same messages through a
# private Postfix on loopback (smtp-source -> Postfix -> smtp-sink), modes
# interleaved A B C A B C ..., reported as CPU milliseconds per message of the
# whole pipeline and as ratios to the run without a milter.
#
#   bench/mailflow.sh [ROUNDS] [MESSAGES] [KB]      (defaults 5 200 100)
#
# Modes:
#   a  Postfix alone
#   b  guestlink-milter, ordinary mail (no tag: accepted after the headers)
#   c  guestlink-milter, invitations (tagged, every link rewritten)
#   d  OpenDKIM signing (RSA-2048), the invitations, no guestlink
#   e  guestlink-milter then OpenDKIM, the invitations (the documented order)
#   f  bench/trivmilter eoh: a milter that does nothing, taking the steps
#      guestlink takes for ordinary mail (the floor for b)
#   g  bench/trivmilter mail: a milter that accepts at MAIL FROM (the least
#      any milter costs)
# CPU: Postfix master with its reaped children (utime+stime+cutime+cstime from
# /proc) plus its live children, plus the milter and smtp-sink processes. CPU
# is steadier than wall time on shared machines (POSTFIX-TESTING.md).
set -eu
ROUNDS=${1:-5}
MSGS=${2:-200}
KB=${3:-100}
SESSIONS=${SESSIONS:-4}		# parallel SMTP sessions of smtp-source
MODES=${MODES:-abcdefg}		# which modes to run (a is always needed)
T_NAME=mailflow
. "$(dirname "$0")/../tests/lib/common.sh"
. "$(dirname "$0")/../tests/lib/postfix.sh"
need_bins
HZ=$(getconf CLK_TCK)

# cpu_ticks PID - utime+stime (+cutime+cstime with "all") of one process
cpu_ticks() {
	awk -v all="${2:-}" '{ sub(/^.*\) /, ""); t = $12 + $13; if (all) t += $14 + $15; print t }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

# tree_ticks MASTER - the master with reaped children, plus live children
tree_ticks() {
	local master=$1 sum p
	sum=$(cpu_ticks "$master" all)
	for p in $(ps -o pid= --ppid "$master"); do
		sum=$((sum + $(cpu_ticks "$p")))
	done
	echo "$sum"
}

master_pid() { tr -dc 0-9 <"$1/spool/pid/master.pid"; }

make_keys "$T_DIR/keys"
SINKDIR="$T_DIR/sink"
SINK_PORT=$(free_port)
sink_start "$SINKDIR" "$SINK_PORT"

# Two instances: one without a milter (a), one with it (b, c).
PA_PORT=$(free_port)
pf_create "$T_DIR/pa" "$PA_PORT" "$SINK_PORT"
pf_start "$T_DIR/pa"
milter_config "$T_DIR/milter.conf" "$T_DIR/keys" "$T_DIR/run"
MILTER_LOG=/dev/null
milter_start "$T_DIR/milter.conf"
PB_PORT=$(free_port)
pf_create "$T_DIR/pb" "$PB_PORT" "$SINK_PORT" "$MILTER_SOCK"
pf_start "$T_DIR/pb"

# OpenDKIM, RSA-2048, signing mail from example.org (our sample's From).
DK="$T_DIR/dkim"
mkdir -p "$DK/run"
opendkim-genkey -b 2048 -d example.org -s bench -D "$DK"
chown -R postfix "$DK"
printf '%s\n' "Syslog no" "Background no" "Mode s" "Domain example.org" "Selector bench" \
	"KeyFile $DK/bench.private" "Socket local:$DK/run/opendkim.sock" "UserID postfix" \
	"RequireSafeKeys false" "Canonicalization relaxed/simple" "SignatureAlgorithm rsa-sha256" \
	>"$DK/opendkim.conf"
bg_start opendkim "$DK/opendkim.log" opendkim -f -x "$DK/opendkim.conf"
DKIM_PID=$BG_PID
wait_for_socket "$DK/run/opendkim.sock" 10 || die "opendkim did not start: $(cat "$DK/opendkim.log")"
PD_PORT=$(free_port)
pf_create "$T_DIR/pd" "$PD_PORT" "$SINK_PORT" "unix:$DK/run/opendkim.sock"
pf_start "$T_DIR/pd"
PE_PORT=$(free_port)
pf_create "$T_DIR/pe" "$PE_PORT" "$SINK_PORT" "$MILTER_SOCK,unix:$DK/run/opendkim.sock"
pf_start "$T_DIR/pe"

# The floor: a milter that does nothing (f: steps like b; g: accepts at MAIL FROM).
TRIV="$T_DIR/triv"
mkdir -p "$TRIV"
chmod 0755 "$TRIV"
for how in eoh mail; do
	bg_start "trivmilter $how" "$TRIV/$how.log" sh -c 'umask 0; exec "$@"' sh \
		"$BUILD/bench/trivmilter" "unix:$TRIV/$how.sock" "$how"
	eval "TRIV_${how}_PID=\$BG_PID"
	wait_for_socket "$TRIV/$how.sock" 10 || die "trivmilter did not start: $(cat "$TRIV/$how.log")"
done
PF_PORT=$(free_port)
pf_create "$T_DIR/pf" "$PF_PORT" "$SINK_PORT" "unix:$TRIV/eoh.sock"
pf_start "$T_DIR/pf"
PG_PORT=$(free_port)
pf_create "$T_DIR/pg" "$PG_PORT" "$SINK_PORT" "unix:$TRIV/mail.sock"
pf_start "$T_DIR/pg"

python3 "$T_SRC/bench/mkmsg.py" "$KB" "Lab news" >"$T_DIR/plain.eml"
python3 "$T_SRC/bench/mkmsg.py" "$KB" "[invite] Join our research lab" >"$T_DIR/invite.eml"

# run_mode MODE PORT DIR FILE - send MSGS messages, wait for them, print CPU ticks
run_mode() {
	local mode=$1 port=$2 dir=$3 file=$4 before after mb ma sb sa db da start
	rm -f "$SINKDIR"/*
	before=$(tree_ticks "$(master_pid "$dir")")
	mb=$(cpu_ticks "$MILTER_PID")
	sb=$(cpu_ticks "$SINK_PID")
	db=$(cpu_ticks "$DKIM_PID")
	fb=$(cpu_ticks "$TRIV_eoh_PID")
	gb=$(cpu_ticks "$TRIV_mail_PID")
	start=$(date +%s%N)
	smtp-source -s "$SESSIONS" -m "$MSGS" -f staff@example.org -t guest@gmail.com -F "$file" "127.0.0.1:$port"
	wait_for_files "$SINKDIR" "$MSGS" 120 || die "mode $mode: only $(count_files "$SINKDIR") of $MSGS delivered"
	local ns=$(($(date +%s%N) - start))
	after=$(tree_ticks "$(master_pid "$dir")")
	ma=$(cpu_ticks "$MILTER_PID")
	sa=$(cpu_ticks "$SINK_PID")
	da=$(cpu_ticks "$DKIM_PID")
	fa=$(cpu_ticks "$TRIV_eoh_PID")
	ga=$(cpu_ticks "$TRIV_mail_PID")
	# Only the filters of this mode count (the others idle anyway).
	[ "$mode" = b ] || [ "$mode" = c ] || [ "$mode" = e ] || { ma=0 mb=0; }
	[ "$mode" = d ] || [ "$mode" = e ] || { da=0 db=0; }
	[ "$mode" = f ] || { fa=0 fb=0; }
	[ "$mode" = g ] || { ga=0 gb=0; }
	echo "$mode $((after - before + ma - mb + sa - sb + da - db + fa - fb + ga - gb)) $ns $((ma - mb))"
}

# Warm up both instances (process start, caches), then measure.
run_mode a "$PA_PORT" "$T_DIR/pa" "$T_DIR/plain.eml" >/dev/null
run_mode c "$PB_PORT" "$T_DIR/pb" "$T_DIR/invite.eml" >/dev/null
run_mode d "$PD_PORT" "$T_DIR/pd" "$T_DIR/invite.eml" >/dev/null
run_mode e "$PE_PORT" "$T_DIR/pe" "$T_DIR/invite.eml" >/dev/null
run_mode f "$PF_PORT" "$T_DIR/pf" "$T_DIR/plain.eml" >/dev/null
run_mode g "$PG_PORT" "$T_DIR/pg" "$T_DIR/plain.eml" >/dev/null
: >"$T_DIR/results"
for r in $(seq "$ROUNDS"); do
	for m in $(echo "$MODES" | fold -w1); do
		case $m in
		a) run_mode a "$PA_PORT" "$T_DIR/pa" "$T_DIR/invite.eml" ;;
		b) run_mode b "$PB_PORT" "$T_DIR/pb" "$T_DIR/plain.eml" ;;
		c) run_mode c "$PB_PORT" "$T_DIR/pb" "$T_DIR/invite.eml" ;;
		d) run_mode d "$PD_PORT" "$T_DIR/pd" "$T_DIR/invite.eml" ;;
		e) run_mode e "$PE_PORT" "$T_DIR/pe" "$T_DIR/invite.eml" ;;
		f) run_mode f "$PF_PORT" "$T_DIR/pf" "$T_DIR/plain.eml" ;;
		g) run_mode g "$PG_PORT" "$T_DIR/pg" "$T_DIR/plain.eml" ;;
		esac >>"$T_DIR/results"
	done
	note "round $r done"
done

python3 - "$T_DIR/results" "$HZ" "$MSGS" "$ROUNDS" "$KB" "$SESSIONS" "$MODES" <<'PY'
import sys, statistics as st
path, hz, msgs, rounds, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sessions, modes = sys.argv[6], sys.argv[7]
rows = [l.split() for l in open(path)]
cpu = {m: [] for m in modes}
rate = {m: [] for m in modes}
mcpu = {m: [] for m in modes}
for m, ticks, ns, mticks in rows:
    cpu[m].append(int(ticks) * 1000.0 / hz / msgs)
    rate[m].append(msgs / (int(ns) / 1e9))
    mcpu[m].append(int(mticks) * 1000.0 / hz / msgs)
names = {"a": "(a) Postfix alone", "b": "(b) + guestlink-milter, ordinary mail",
         "c": "(c) + guestlink-milter, invitations", "d": "(d) + OpenDKIM signing (RSA-2048)",
         "e": "(e) + guestlink-milter, then OpenDKIM",
         "f": "(f) + trivial milter, steps as (b) (floor for b)",
         "g": "(g) + trivial milter accepting at MAIL FROM"}
print(f"{rounds} interleaved rounds of {msgs} messages of {kb} KB, {sessions} SMTP session(s) at a time")
print()
print("| mode | CPU ms/msg min | median | max | ratio to (a) (median) | msgs/s median | ratio to (a) |")
print("|---|---|---|---|---|---|---|")
for m in modes:
    c = sorted(cpu[m]); r = sorted(rate[m])
    print(f"| {names[m]} | {c[0]:.2f} | {st.median(c):.2f} | {c[-1]:.2f} | "
          f"{st.median(c)/st.median(cpu['a']):.2f} | {st.median(r):.0f} | {st.median(r)/st.median(rate['a']):.2f} |")
print()
med = {m: st.median(cpu[m]) for m in modes}
if all(m in modes for m in "bcdefg"):
    print(f"Added CPU per message (median difference to (a)): guestlink on ordinary mail {med['b']-med['a']:+.2f} ms, "
          f"guestlink on invitations {med['c']-med['a']:+.2f} ms, OpenDKIM signing {med['d']-med['a']:+.2f} ms, "
          f"both {med['e']-med['a']:+.2f} ms; a milter that does nothing {med['f']-med['a']:+.2f} ms "
          f"(accepting at MAIL FROM {med['g']-med['a']:+.2f} ms).")
    print()
    print(f"guestlink on ordinary mail above the do-nothing floor (b)-(f): {med['b']-med['f']:+.2f} ms per message; "
          f"invitations above it (c)-(f): {med['c']-med['f']:+.2f} ms; OpenDKIM (d)-(a): {med['d']-med['a']:+.2f} ms.")
def pr(m):
    return sorted(x / y for x, y in zip(rate[m], rate['a']))
r = pr('c')
print(f"Throughput (c)/(a) per round: min {r[0]:.2f}, median {st.median(r):.2f}, max {r[-1]:.2f}.")
for m, what in (("b", "ordinary message"), ("c", "invitation")):
    if m in modes:
        c = sorted(mcpu[m])
        print(f"guestlink-milter's own CPU per {what}, mode ({m}): median {st.median(c):.2f} ms "
              f"(min {c[0]:.2f}, max {c[-1]:.2f}).")
PY
