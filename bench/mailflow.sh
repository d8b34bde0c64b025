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
# CPU: Postfix master with its reaped children (utime+stime+cutime+cstime from
# /proc) plus its live children, plus the milter and smtp-sink processes. CPU
# is steadier than wall time on shared machines (POSTFIX-TESTING.md).
set -eu
ROUNDS=${1:-5}
MSGS=${2:-200}
KB=${3:-100}
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
	start=$(date +%s%N)
	smtp-source -s 4 -m "$MSGS" -f staff@example.org -t guest@gmail.com -F "$file" "127.0.0.1:$port"
	wait_for_files "$SINKDIR" "$MSGS" 120 || die "mode $mode: only $(count_files "$SINKDIR") of $MSGS delivered"
	local ns=$(($(date +%s%N) - start))
	after=$(tree_ticks "$(master_pid "$dir")")
	ma=$(cpu_ticks "$MILTER_PID")
	sa=$(cpu_ticks "$SINK_PID")
	da=$(cpu_ticks "$DKIM_PID")
	case $mode in
	a) ma=0 mb=0 da=0 db=0 ;;
	b|c) da=0 db=0 ;;
	d) ma=0 mb=0 ;;
	esac
	echo "$mode $((after - before + ma - mb + sa - sb + da - db)) $ns"
}

# Warm up both instances (process start, caches), then measure.
run_mode a "$PA_PORT" "$T_DIR/pa" "$T_DIR/plain.eml" >/dev/null
run_mode c "$PB_PORT" "$T_DIR/pb" "$T_DIR/invite.eml" >/dev/null
run_mode d "$PD_PORT" "$T_DIR/pd" "$T_DIR/invite.eml" >/dev/null
run_mode e "$PE_PORT" "$T_DIR/pe" "$T_DIR/invite.eml" >/dev/null
: >"$T_DIR/results"
for r in $(seq "$ROUNDS"); do
	run_mode a "$PA_PORT" "$T_DIR/pa" "$T_DIR/invite.eml" >>"$T_DIR/results"
	run_mode b "$PB_PORT" "$T_DIR/pb" "$T_DIR/plain.eml" >>"$T_DIR/results"
	run_mode c "$PB_PORT" "$T_DIR/pb" "$T_DIR/invite.eml" >>"$T_DIR/results"
	run_mode d "$PD_PORT" "$T_DIR/pd" "$T_DIR/invite.eml" >>"$T_DIR/results"
	run_mode e "$PE_PORT" "$T_DIR/pe" "$T_DIR/invite.eml" >>"$T_DIR/results"
	note "round $r done"
done

python3 - "$T_DIR/results" "$HZ" "$MSGS" "$ROUNDS" "$KB" <<'PY'
import sys, statistics as st
path, hz, msgs, rounds, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = [l.split() for l in open(path)]
modes = "abcde"
cpu = {m: [] for m in modes}
rate = {m: [] for m in modes}
for m, ticks, ns in rows:
    cpu[m].append(int(ticks) * 1000.0 / hz / msgs)
    rate[m].append(msgs / (int(ns) / 1e9))
names = {"a": "(a) Postfix alone", "b": "(b) + guestlink-milter, ordinary mail",
         "c": "(c) + guestlink-milter, invitations", "d": "(d) + OpenDKIM signing (RSA-2048)",
         "e": "(e) + guestlink-milter, then OpenDKIM"}
print(f"{rounds} interleaved rounds of {msgs} messages of {kb} KB, 4 SMTP sessions")
print()
print("| mode | CPU ms/msg min | median | max | ratio to (a) (median) | msgs/s median | ratio to (a) |")
print("|---|---|---|---|---|---|---|")
for m in modes:
    c = sorted(cpu[m]); r = sorted(rate[m])
    print(f"| {names[m]} | {c[0]:.2f} | {st.median(c):.2f} | {c[-1]:.2f} | "
          f"{st.median(c)/st.median(cpu['a']):.2f} | {st.median(r):.0f} | {st.median(r)/st.median(rate['a']):.2f} |")
print()
med = {m: st.median(cpu[m]) for m in modes}
print(f"Added CPU per message (median difference to (a)): guestlink on ordinary mail {med['b']-med['a']:+.2f} ms, "
      f"guestlink on invitations {med['c']-med['a']:+.2f} ms, OpenDKIM signing {med['d']-med['a']:+.2f} ms, "
      f"both {med['e']-med['a']:+.2f} ms.")
PY
