#!/usr/bin/env python3
"""mkmsg.py - a sample invitation for the benchmarks: KB kilobytes of
multipart/alternative (quoted-printable text and HTML), one resource link in
every 50 lines, ordinary links between. Usage: mkmsg.py KB SUBJECT > file"""
import sys

kb = int(sys.argv[1])
subject = sys.argv[2]
half = kb * 1024 // 2
out = [
    "From: Staff Member <staff@example.org>",
    "To: Guest <guest@gmail.com>",
    f"Subject: {subject}",
    "MIME-Version: 1.0",
    'Content-Type: multipart/alternative; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
]
size = lambda: sum(len(x) + 2 for x in out)
n = 0
while size() < half:
    link = "https://teams.example.org/t/lab-%d" % (n % 10) if n % 50 == 0 else "the usual room %d" % n
    out.append(f"Line {n} of the invitation text, see {link} =")
    out.append("soon.")
    n += 1
out += ["", "--b1", "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable", "", "<html><body>"]
n = 0
while size() < kb * 1024 - 64:
    href = "https://teams.example.org/t/lab-%d" % (n % 10) if n % 50 == 0 else "https://www.example.com/news/%d" % n
    out.append(f'<p style=3D"margin:0">Paragraph {n}, <a href=3D"{href}">the lab</a> and more words.</p>')
    n += 1
out += ["</body></html>", "--b1--", ""]
sys.stdout.write("\r\n".join(out))
