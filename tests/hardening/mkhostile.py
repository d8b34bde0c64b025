#!/usr/bin/env python3
"""mkhostile.py - hostile invitations for the hardening tests (and fuzz seeds).

  mkhostile.py nested DEPTH MSGID URL    multipart/mixed nested DEPTH deep, the
                                         resource link in the innermost text part
  mkhostile.py headers COUNT MSGID URL   a tagged invitation with COUNT extra
                                         header fields before its MIME headers:
                                         multipart/alternative, text/plain 7bit
                                         and text/html base64, the link in both
  mkhostile.py headers-late COUNT ...    the same with the Subject after the
                                         COUNT extra fields too

The message goes to stdout with LF line ends; the Subject carries [invite].
"""
import sys


import base64

SUBJECT = "Subject: [invite] Join our research lab\n"


def head(msgid, extra="", subject_late=False):
    return ("From: Staff Member <staff@example.org>\n"
            "To: guest@gmail.com\n"
            + ("" if subject_late else SUBJECT) +
            "Date: Mon, 01 Jan 2024 10:00:00 +0100\n"
            f"Message-ID: <{msgid}>\n" + extra + (SUBJECT if subject_late else "") +
            "MIME-Version: 1.0\n")


def nested(depth, msgid, url):
    out = [head(msgid)]
    for i in range(depth):
        if i:
            out.append(f"--b{i - 1:03d}\n")
        out.append(f'Content-Type: multipart/mixed; boundary="b{i:03d}"\n\n')
    out.append(f"--b{depth - 1:03d}\nContent-Type: text/plain; charset=us-ascii\n\n"
               f"Please join: {url}\n\n")
    for i in reversed(range(depth)):
        out.append(f"--b{i:03d}--\n")
    return "".join(out)


def headers(count, msgid, url, subject_late=False):
    extra = "".join(f"X-Filler-{i}: value {i}\n" for i in range(count))
    html = base64.encodebytes(f'<html><body><p>Please join <a href="{url}">our lab</a>.</p></body></html>\n'
                              .encode()).decode()
    return (head(msgid, extra, subject_late) +
            'Content-Type: multipart/alternative; boundary="alt"\n\n'
            "--alt\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n"
            f"Please join our lab: {url}\n\n"
            "--alt\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: base64\n\n"
            f"{html}\n--alt--\n")


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("nested", "headers", "headers-late"):
        sys.exit(__doc__)
    kind, n, msgid, url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if kind == "nested":
        sys.stdout.write(nested(n, msgid, url))
    else:
        sys.stdout.write(headers(n, msgid, url, kind == "headers-late"))


main()
