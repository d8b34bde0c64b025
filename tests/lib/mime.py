#!/usr/bin/env python3
"""tests/lib/mime.py - look inside a delivered message for the shell tests.

Usage:
  mime.py text FILE      every text/plain and text/html leaf, decoded
                         (transfer encoding and charset), each after a line
                         "=== <content-type>"
  mime.py part FILE TYPE the decoded leaves of one type (text/plain, text/html)
  mime.py hrefs FILE     href values of every HTML leaf, one a line
  mime.py plain FILE     http(s) URLs in every text/plain leaf, one a line
  mime.py links FILE     accept links (<public_url>/accept/<token>) anywhere in
                         the decoded text parts, one a line, in order, repeats kept
  mime.py json FIELD     read one JSON object on stdin, print FIELD (true/false
                         for booleans; empty when absent)
  mime.py structure FILE the MIME tree: one line per part, indented by depth,
                         "content-type transfer-encoding"

FILE is a message as smtp-sink captured it, with or without smtp-sink's own
X-* records (the parser skips nothing: those records are just headers).
Exit status 2 on a usage error.
"""
import email
import email.policy
import html.parser
import json
import re
import sys

URL_RE = re.compile(r"https?://[^\s<>\"']+", re.I)
ACCEPT_RE = re.compile(r"https://guest\.example\.org/accept/[A-Za-z0-9_-]+")


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def text_leaves(msg):
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_content_maintype() != "text":
            continue
        if part.get_content_subtype() not in ("plain", "html"):
            continue
        if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
            continue
        raw = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "us-ascii"
        try:
            text = raw.decode(charset, errors="replace")
        except LookupError:
            text = raw.decode("latin-1")
        yield part.get_content_type(), text


class HrefParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "href" and value is not None:
                self.hrefs.append(value)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, arg = argv[1], argv[2]
    if cmd == "json":
        obj = json.load(sys.stdin)
        v = obj.get(arg, "")
        if isinstance(v, bool):
            v = "true" if v else "false"
        print(v)
        return 0
    msg = load(arg)
    if cmd == "structure":
        def walk(part, depth):
            cte = (part.get("Content-Transfer-Encoding") or "7bit").lower()
            print("  " * depth + part.get_content_type() + " " + cte)
            if part.is_multipart():
                for p in part.get_payload():
                    walk(p, depth + 1)
        walk(msg, 0)
        return 0
    for ctype, text in text_leaves(msg):
        if cmd == "text":
            print("=== " + ctype)
            print(text)
        elif cmd == "part":
            if len(argv) > 3 and ctype == argv[3]:
                print(text)
        elif cmd == "hrefs" and ctype == "text/html":
            p = HrefParser()
            p.feed(text)
            for h in p.hrefs:
                print(h)
        elif cmd == "plain" and ctype == "text/plain":
            for m in URL_RE.finditer(text):
                print(m.group(0).rstrip(".,;:!?)]"))
        elif cmd == "links":
            for m in ACCEPT_RE.finditer(text):
                print(m.group(0))
        elif cmd not in ("text", "part", "hrefs", "plain", "links"):
            print("mime.py: unknown command " + cmd, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
