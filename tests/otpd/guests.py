#!/usr/bin/env python3
"""guests.py - many guests at once against otpd's JSON API (t-kill-200.sh), loopback only.

  guests.py run BASE TOKEN SINK STATE N WORKERS KILL_PID KILL_AFTER
      N guests g0..g<N-1>@example.net ask for a code, wait for its mail in SINK, and type it, WORKERS
      at a time. After KILL_AFTER codes were acknowledged (202), otpd (KILL_PID, started by the test)
      gets SIGKILL. Writes STATE: one line per guest, "ADDR STATE", STATE one of
        unasked   never got an answer to the email step
        acked     the email step answered 202 (the code is promised), the code step not answered
        verified  the code step answered 200
      and prints counts.
  guests.py finish BASE TOKEN SINK STATE REDEEMED
      after the restart: every "acked" guest types the newest code its mail brought (delivered before
      the kill or by the restarted outbox) and must get 200 - or 401 only if REDEEMED (otpctl's list)
      shows the code was spent by a code step whose answer the kill swallowed; every "unasked" guest
      does the whole flow now. Prints counts and each failure; exits 1 on any.
"""
import http.client
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse


class Sink:
    """The newest code per recipient, from smtp-sink's dump files (scanned by one thread)."""

    def __init__(self, path):
        self.path = path
        self.seen = set()
        self.codes = {}
        self.lock = threading.Lock()

    def scan(self):
        try:
            names = sorted(os.listdir(self.path))
        except OSError:
            return
        for n in names:
            if n in self.seen:
                continue
            try:
                text = open(os.path.join(self.path, n), "rb").read().decode("utf-8", "replace")
            except OSError:
                continue
            to = re.search(r"^To: <([^>]+)>", text, re.M)
            code = re.search(r"^(\d{8})\r?\n", text, re.M)
            if to and code:	# else still being written: read it again next time
                self.seen.add(n)
                with self.lock:
                    self.codes.setdefault(to.group(1), []).append(code.group(1))

    def newest(self, addr):
        with self.lock:
            c = self.codes.get(addr)
            return c[-1] if c else None

    def count(self, addr):
        with self.lock:
            return len(self.codes.get(addr, []))


def post(base, path, body):
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def guest(i):
    return "g%d@example.net" % i


def run(base, tok, sinkdir, statefile, n, workers, kill_pid, kill_after):
    sink = Sink(sinkdir)
    state = {guest(i): "unasked" for i in range(n)}
    lock = threading.Lock()
    killed = threading.Event()
    acked = [0]
    stop = threading.Event()

    def scanner():
        while not stop.is_set():
            sink.scan()
            time.sleep(0.05)

    def worker(ids):
        for i in ids:
            if killed.is_set():
                return
            g = guest(i)
            try:
                s, b = post(base, "/api/v1/accept/%s/email" % tok, {"email": g})
            except OSError:
                continue
            if s != 202:
                print("email step %s: %d %s" % (g, s, b))
                continue
            with lock:
                state[g] = "acked"
                acked[0] += 1
                if acked[0] == kill_after:
                    os.kill(kill_pid, signal.SIGKILL)
                    killed.set()
            deadline = time.time() + 15
            code = None
            while time.time() < deadline and not killed.is_set():
                code = sink.newest(g)
                if code:
                    break
                time.sleep(0.05)
            if not code or killed.is_set():
                continue
            try:
                s, b = post(base, "/api/v1/accept/%s/code" % tok, {"email": g, "code": code})
            except OSError:
                continue
            if s == 200:
                with lock:
                    state[g] = "verified"
            else:
                print("code step %s before the kill: %d %s" % (g, s, b))

    st = threading.Thread(target=scanner)
    st.start()
    ths = [threading.Thread(target=worker, args=(range(w, n, workers),)) for w in range(workers)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    stop.set()
    st.join()
    with open(statefile, "w") as f:
        for g, s in state.items():
            f.write("%s %s\n" % (g, s))
    counts = {}
    for s in state.values():
        counts[s] = counts.get(s, 0) + 1
    print("before the kill: " + " ".join("%s=%d" % kv for kv in sorted(counts.items())) +
          " killed=%s" % killed.is_set())


def finish(base, tok, sinkdir, statefile, redeemed_file):
    sink = Sink(sinkdir)
    redeemed = set(open(redeemed_file).read().split())
    state = dict(line.split() for line in open(statefile))
    failures = []
    done = {"acked_ok": 0, "acked_spent": 0, "unasked_ok": 0, "verified": 0}
    deadline = time.time() + 30
    # Every acked guest's mail must arrive (before the kill, or from the restarted outbox).
    while time.time() < deadline:
        sink.scan()
        if all(sink.newest(g) for g, s in state.items() if s == "acked"):
            break
        time.sleep(0.1)
    for g, s in sorted(state.items()):
        if s == "verified":
            done["verified"] += 1
            if g not in redeemed:
                failures.append("%s: verified before the kill, not redeemed after it" % g)
        elif s == "acked":
            code = sink.newest(g)
            if not code:
                failures.append("%s: acknowledged, but its mail never came" % g)
                continue
            st, b = post(base, "/api/v1/accept/%s/code" % tok, {"email": g, "code": code})
            if st == 200:
                done["acked_ok"] += 1
            elif st == 401 and g in redeemed:
                done["acked_spent"] += 1	# its code step committed; the kill swallowed the answer
            else:
                failures.append("%s: acknowledged code after the restart: %d %s" % (g, st, b))
        else:
            n0 = sink.count(g)
            st, b = post(base, "/api/v1/accept/%s/email" % tok, {"email": g})
            if st != 202:
                failures.append("%s: email step after the restart: %d %s" % (g, st, b))
                continue
            t_end = time.time() + 15
            while time.time() < t_end and sink.count(g) <= n0:
                sink.scan()
                time.sleep(0.05)
            code = sink.newest(g)
            st, b = post(base, "/api/v1/accept/%s/code" % tok, {"email": g, "code": code or "00000000"})
            if st == 200:
                done["unasked_ok"] += 1
            else:
                failures.append("%s: whole flow after the restart: %d %s" % (g, st, b))
    print("after the restart: " + " ".join("%s=%d" % kv for kv in sorted(done.items())))
    for f in failures[:20]:
        print("FAILURE " + f)
    return 1 if failures else 0


def main():
    a = sys.argv[1:]
    if a and a[0] == "run":
        run(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]), int(a[7]), int(a[8]))
    elif a and a[0] == "finish":
        sys.exit(finish(a[1], a[2], a[3], a[4], a[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
