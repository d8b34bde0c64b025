#!/usr/bin/env python3
"""hammer.py - an attacker who knows a guest's address but never sees the guest's mail (loopback only).

  api HOST PORT TOKEN EMAIL N [STOPFILE]    N wrong codes to POST /api/v1/accept/TOKEN/code, each from
                                            another client address (X-Forwarded-For 198.18.x.y, believed
                                            because the peer 127.0.0.1 is a trusted proxy); with STOPFILE,
                                            N is a minimum: go on until STOPFILE exists
  rounds HOST PORT TOKEN EMAIL R            an attacker who also holds the link: R times, ask for a new
                                            code (the email step; it goes to the guest) and send 5 wrong
                                            codes (killing it)
  login HOST PORT EMAIL N [STOPFILE]        the same at POST /login/code (the form, with a CSRF token
                                            fetched from GET /login like a browser)
Prints "tries T" and "status CODE COUNT" lines; every try writes one line to $HAMMER_LOG if set.
The wrong code is a fixed 8-digit number; it could be right by chance once in 10^8 per live code.
"""
import http.client
import json
import os
import re
import sys
import time
import urllib.parse


def client_ip(i):
    return "198.18.%d.%d" % ((i // 250) % 250, i % 250 + 1)


def post(host, port, path, body, ctype, xff, cookie=None):
    c = http.client.HTTPConnection(host, port, timeout=10)
    headers = {"Content-Type": ctype, "X-Forwarded-For": xff}
    if cookie:
        headers["Cookie"] = cookie
    c.request("POST", path, body=body, headers=headers)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def login_form(host, port):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", "/login")
    r = c.getresponse()
    page = r.read().decode()
    cookies = [h[1].split(";", 1)[0] for h in r.getheaders() if h[0].lower() == "set-cookie"]
    c.close()
    m = re.search(r'name="csrf" value="([^"]*)"', page)
    return "; ".join(cookies), m.group(1) if m else ""


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "rounds":
        token, email, rounds = sys.argv[4], sys.argv[5], int(sys.argv[6])
        counts = {}
        for r in range(rounds):
            post(host, port, "/api/v1/accept/%s/email" % token, json.dumps({"email": email}), "application/json",
                 "127.0.0.1")
            for i in range(5):
                st = post(host, port, "/api/v1/accept/%s/code" % token,
                          json.dumps({"email": email, "code": "13579246"}), "application/json",
                          client_ip(r * 5 + i))
                counts[st] = counts.get(st, 0) + 1
        print("tries %d" % (rounds * 5))
        for st in sorted(counts):
            print("status %d %d" % (st, counts[st]))
        return
    if mode == "api":
        token, email, n = sys.argv[4], sys.argv[5], int(sys.argv[6])
        stop = sys.argv[7] if len(sys.argv) > 7 else None
        path = "/api/v1/accept/%s/code" % token
        cookie = None
    else:
        email, n = sys.argv[4], int(sys.argv[5])
        stop = sys.argv[6] if len(sys.argv) > 6 else None
        path = "/login/code"
        cookie, csrf = login_form(host, port)
    log = os.environ.get("HAMMER_LOG")
    counts = {}
    i = 0
    while i < n or (stop and not os.path.exists(stop)):
        xff = client_ip(i)
        if mode == "api":
            st = post(host, port, path, json.dumps({"email": email, "code": "13579246"}), "application/json", xff)
        else:
            body = urllib.parse.urlencode({"email": email, "code": "13579246", "csrf": csrf})
            st = post(host, port, path, body, "application/x-www-form-urlencoded", xff, cookie)
        counts[st] = counts.get(st, 0) + 1
        i += 1
        if log:
            with open(log, "a") as f:
                f.write("%d %d\n" % (i, st))
        if stop and i >= n:
            time.sleep(0.01)
    print("tries %d" % i)
    for st in sorted(counts):
        print("status %d %d" % (st, counts[st]))


if __name__ == "__main__":
    main()
