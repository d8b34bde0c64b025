#!/usr/bin/env python3
"""smtpflood.py - many SMTP sessions at once, each one invitation.

  smtpflood.py PORT N FILE MILTER_PID ID_PREFIX

Opens N sessions to 127.0.0.1:PORT, takes each through MAIL and RCPT, and
waits until all N are there (so Postfix holds N milter connections at the
same moment); then reads the milter's thread count, and all N send their
DATA at once. FILE is the message; its "Message-ID: <...>" line becomes
<ID_PREFIX.K@test.example.org> for session K. Prints:
  sessions_open N          sessions that got through RCPT
  milter_threads N         the milter's threads with all sessions open
  reply CODE COUNT         replies to the data, by code
  milter_vmhwm_kb N        the milter's peak resident set afterwards
Exit status 0 when every session got 250.
"""
import collections
import os
import re
import smtplib
import sys
import threading
import time


def proc_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return -1


def count_sockets(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


def main():
    port, n, path, pid, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    template = open(path, "rb").read()
    barrier = threading.Barrier(n + 1, timeout=120)
    replies = collections.Counter()
    opened = []
    lock = threading.Lock()

    def session(k):
        body = re.sub(rb"(?m)^Message-ID: <[^>]*>", f"Message-ID: <{prefix}.{k}@test.example.org>".encode(),
                      template)
        s = None
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=120)
            s.ehlo("client.example.org")
            ok = s.docmd("MAIL FROM:<staff@example.org>")[0] == 250 and \
                s.docmd("RCPT TO:<guest%d@gmail.com>" % k)[0] == 250
            with lock:
                if ok:
                    opened.append(k)
        except (OSError, smtplib.SMTPException) as e:
            ok = False
            with lock:
                replies["error " + type(e).__name__] += 1
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        if not ok:
            return
        try:
            code, _ = s.data(body)
        except smtplib.SMTPResponseException as e:
            code = e.smtp_code
        except (OSError, smtplib.SMTPException) as e:
            code = "error " + type(e).__name__
        with lock:
            replies[code] += 1
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass

    threads = [threading.Thread(target=session, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    print("sessions_open", len(opened))
    # With the no-reply steps (SMFIP_NR_CONN/RCPT...) Postfix does not wait for
    # the milter at RCPT, so under load a connection may still be in the
    # milter's listen backlog here: give its accept loop up to 5 s.
    socks = count_sockets(pid)
    for _ in range(50):
        if socks >= n:
            break
        time.sleep(0.1)
        socks = count_sockets(pid)
    print("milter_sockets", socks)
    print("milter_threads", proc_field(pid, "Threads"), flush=True)
    for t in threads:
        t.join()
    for code, count in sorted(replies.items(), key=str):
        print("reply", code, count)
    print("milter_vmhwm_kb", proc_field(pid, "VmHWM"))
    return 0 if replies.get(250, 0) == n else 1


sys.exit(main())
