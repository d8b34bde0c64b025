#!/usr/bin/env python3
"""mkmsg.py - a sample invitation for the benchmarks: KB kilobytes of
multipart/alternative (quoted-printable text and HTML) with about 20 links
to a resource spread through each part and ordinary links between them.
Usage: mkmsg.py KB SUBJECT > file"""
import sys

kb = int(sys.argv[1])
subject = sys.argv[2]
target = kb * 1024
head = [
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
out = list(head)
size = sum(len(x) + 2 for x in out)
text_lines = max(1, (target // 2) // 62)
every = max(1, text_lines // 10)          # ~10 resource links in the text part
n = 0
while size < target // 2:
    link = "https://teams.example.org/t/lab-%d" % (n % 10) if n % every == 0 else "the usual room %d" % n
    for line in (f"Line {n} of the invitation text, see {link} =", "soon."):
        out.append(line)
        size += len(line) + 2
    n += 1
for line in ("", "--b1", "Content-Type: text/html; charset=utf-8",
             "Content-Transfer-Encoding: quoted-printable", "", "<html><body>"):
    out.append(line)
    size += len(line) + 2
html_lines = max(1, (target // 2) // 110)
every = max(1, html_lines // 10)          # ~10 in the HTML part
n = 0
while size < target - 64:
    href = "https://teams.example.org/t/lab-%d" % (n % 10) if n % every == 0 else "https://www.example.com/news/%d" % n
    line = f'<p style=3D"margin:0">Paragraph {n}, <a href=3D"{href}">the lab</a> and more words.</p>'
    out.append(line)
    size += len(line) + 2
    n += 1
out += ["</body></html>", "--b1--", ""]
sys.stdout.write("\r\n".join(out))
