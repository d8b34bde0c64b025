#!/usr/bin/env python3
"""httpprobe.py - hostile and measuring HTTP clients for otpd scenarios (loopback only).

  timing HOST PORT PATH BODY_A BODY_B N     interleaved POSTs of two JSON bodies, N each, a new
                                            connection each; prints "status", "body", "headers"
                                            lines (the distinct normalised answers of each) and
                                            "median_ms A B" / "diff_ms D"
  raw HOST PORT FILE [SECS]                 send FILE's bytes as one request; print the status
                                            line (or "closed"), the seconds it took, bytes sent
  bigbody HOST PORT PATH MBYTES             POST MBYTES of form data with a Content-Length; print
                                            the status (or "closed"), seconds, and bytes sent
  slow HOST PORT N SECS                     N clients each send one byte a second of a request;
                                            meanwhile GET /healthz every 0.2 s on fresh
                                            connections; prints "healthz_max_ms M ok K of T" and
                                            "slow_alive A" (slow connections otpd still holds)
  idle HOST PORT SECS                       one connection that sends nothing: prints the seconds
                                            until otpd closes it (or "open" after SECS)
  flood HOST PORT N SRC2                    N connections at once from 127.0.0.1 held open, then
                                            GET /healthz from SRC2 (another loopback address)
                                            while they are held, then again after closing them
"""
import socket
import statistics
import sys
import threading
import time


def request(host, port, data, timeout=10, src=None):
    s = socket.create_connection((host, port), timeout=timeout, source_address=(src, 0) if src else None)
    try:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        s.close()


def split(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return lines[0] if lines else "", lines[1:], body


def post_json(host, port, path, body):
    req = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
           "Connection: close\r\n\r\n" % (path, host, port, len(body))).encode() + body.encode()
    t0 = time.perf_counter()
    resp = request(host, port, req)
    return time.perf_counter() - t0, resp


def timing(host, port, path, a, b, n):
    seen = {"A": set(), "B": set()}
    times = {"A": [], "B": []}
    for i in range(2 * n):
        which = "A" if (i % 4) in (0, 3) else "B"	# ABBA: neither always goes first
        dt, resp = post_json(host, port, path, a if which == "A" else b)
        status, headers, body = split(resp)
        # Date is the one per-request header; everything else must be byte-identical.
        norm = tuple(h for h in headers if not h.lower().startswith("date:"))
        seen[which].add((status, norm, body))
        times[which].append(dt * 1000)
    for k in ("A", "B"):
        for status, headers, body in sorted(seen[k]):
            print("answer %s %s | %s | %s" % (k, status, " / ".join(headers), body.decode("utf-8", "replace").strip()))
    ma, mb = statistics.median(times["A"]), statistics.median(times["B"])
    print("median_ms %.3f %.3f" % (ma, mb))
    print("diff_ms %.3f" % abs(ma - mb))


def raw(host, port, path, secs):
    data = open(path, "rb").read()
    s = socket.create_connection((host, port), timeout=secs)
    t0 = time.perf_counter()
    sent = 0
    try:
        while sent < len(data):
            sent += s.send(data[sent:sent + 65536])
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    resp = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            resp += b
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    status = resp.split(b"\r\n", 1)[0].decode("latin-1") if resp else "closed"
    print("%s|%.2f|%d" % (status, time.perf_counter() - t0, sent))


def bigbody(host, port, path, mbytes):
    n = mbytes * 1024 * 1024
    head = ("POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: %d\r\n\r\n" % (path, host, port, n)).encode()
    s = socket.create_connection((host, port), timeout=10)
    t0 = time.perf_counter()
    s.sendall(head)
    chunk = b"a" * 65536
    sent = 0
    s.setblocking(False)
    resp = b""
    # Send until otpd answers, closes, or takes it all; never block on a full window forever.
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            b = s.recv(65536)
            if b == b"":
                break
            resp += b
            if b"\r\n\r\n" in resp:
                break
        except BlockingIOError:
            pass
        except ConnectionResetError:
            break
        if sent < n:
            try:
                sent += s.send(chunk[: min(len(chunk), n - sent)])
            except BlockingIOError:
                time.sleep(0.001)
            except (BrokenPipeError, ConnectionResetError):
                sent = n
        else:
            time.sleep(0.01)
    s.close()
    status = resp.split(b"\r\n", 1)[0].decode("latin-1") if resp else "closed"
    print("%s|%.2f|%d" % (status, time.perf_counter() - t0, sent))


def healthz(host, port, src=None, timeout=5):
    t0 = time.perf_counter()
    try:
        resp = request(host, port, ("GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host).encode(),
                       timeout=timeout, src=src)
        ok = resp.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    return ok, (time.perf_counter() - t0) * 1000


def slow(host, port, n, secs):
    req = ("GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Slow: %s\r\n\r\n" % (host, "z" * 200)).encode()
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.setblocking(False)
        socks.append(s)
    alive = list(socks)
    lat, good, total = [], 0, 0
    t_end = time.time() + secs
    pos = 0
    next_byte = time.time()
    while time.time() < t_end:
        if time.time() >= next_byte:
            for s in list(alive):
                try:
                    s.send(req[pos:pos + 1])
                except OSError:
                    alive.remove(s)
            pos += 1
            next_byte += 1.0
        ok, ms = healthz(host, port)
        total += 1
        good += ok
        lat.append(ms)
        time.sleep(0.2)
    print("healthz_max_ms %.1f ok %d of %d" % (max(lat), good, total))
    print("slow_alive %d" % len(alive))
    for s in socks:
        s.close()


def idle(host, port, secs):
    s = socket.create_connection((host, port), timeout=secs)
    t0 = time.time()
    try:
        b = s.recv(1)
        print("closed_after %.1f" % (time.time() - t0) if b == b"" else "data")
    except socket.timeout:
        print("open")
    except ConnectionResetError:
        print("closed_after %.1f" % (time.time() - t0))
    s.close()


def flood(host, port, n, src2):
    socks, refused = [], 0
    for _ in range(n):
        try:
            s = socket.create_connection((host, port), timeout=5)
            socks.append(s)
        except OSError:
            refused += 1
    time.sleep(0.5)
    # How many did otpd keep? A closed one reads EOF at once.
    kept = 0
    for s in socks:
        s.setblocking(False)
        try:
            b = s.recv(1)
            if b != b"":
                kept += 1
        except BlockingIOError:
            kept += 1
        except OSError:
            pass
    ok_during, ms_during = healthz(host, port, src=src2)
    for s in socks:
        s.close()
    time.sleep(0.3)
    ok_after, ms_after = healthz(host, port)
    print("connected %d refused %d kept_open %d" % (len(socks), refused, kept))
    print("healthz_during %s %.1f" % ("ok" if ok_during else "FAILED", ms_during))
    print("healthz_after %s %.1f" % ("ok" if ok_after else "FAILED", ms_after))


def main():
    a = sys.argv[1:]
    if a[0] == "timing":
        timing(a[1], int(a[2]), a[3], a[4], a[5], int(a[6]))
    elif a[0] == "raw":
        raw(a[1], int(a[2]), a[3], float(a[4]) if len(a) > 4 else 10)
    elif a[0] == "bigbody":
        bigbody(a[1], int(a[2]), a[3], int(a[4]))
    elif a[0] == "slow":
        slow(a[1], int(a[2]), int(a[3]), float(a[4]))
    elif a[0] == "idle":
        idle(a[1], int(a[2]), float(a[3]))
    elif a[0] == "flood":
        flood(a[1], int(a[2]), int(a[3]), a[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
