#!/usr/bin/env python3
"""milterclient.py HOST PORT AUTH_LOGIN GUEST RESOURCE_URL - talk the milter protocol to a milter socket
as an MTA would, claiming the SMTP session was authenticated as AUTH_LOGIN ({auth_authen}), and print
the body the milter sends back (SMFIR_REPLBODY) - for finding 02. Any local user can run it."""
import socket, struct, sys

host, port, login, guest, url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection((host, port), timeout=10)


def send(cmd, data=b""):
    s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv():
    hdr = b""
    while len(hdr) < 4:
        chunk = s.recv(4 - len(hdr))
        if not chunk:
            raise SystemExit("milter closed the connection")
        hdr += chunk
    n = struct.unpack(">I", hdr)[0]
    data = b""
    while len(data) < n:
        data += s.recv(n - len(data))
    return data[:1], data[1:]


def z(*parts):
    return b"".join(p.encode() + b"\0" for p in parts)


body = []
def until_decided():
    """read replies to one step; collect the replaced body; return the final reply code"""
    while True:
        cmd, data = recv()
        if cmd == b"b":
            body.append(data)
        elif cmd in (b"h", b"m", b"i", b"+", b"-", b"p"):
            continue
        else:
            return cmd, data


send(b"O", struct.pack(">III", 6, 0x1FF, 0))
recv()
send(b"D", b"C" + z("j", "mail.example.org", "{daemon_name}", "submission"))
send(b"C", z("client.example.net") + b"4" + struct.pack(">H", 2525) + z("203.0.113.9"))
print("connect:", until_decided()[0])
send(b"D", b"M" + z("i", "4MINTED0001", "{auth_authen}", login, "{auth_type}", "PLAIN"))
send(b"M", z("<" + login + ">"))
print("mail:", until_decided()[0])
send(b"R", z("<" + guest + ">"))
print("rcpt:", until_decided()[0])
for name, value in (("From", login), ("To", guest), ("Subject", "[invite] board papers"),
                    ("Content-Type", "text/plain; charset=utf-8"), ("MIME-Version", "1.0")):
    send(b"L", z(name, value))
    until_decided()
send(b"N")
until_decided()
send(b"B", ("Here: " + url + "\r\n").encode())
until_decided()
send(b"E")
r = until_decided()
print("eom:", r[0], r[1][:80])
sys.stdout.write("BODY:" + b"".join(body).decode(errors="replace") + "\n")
send(b"Q")
