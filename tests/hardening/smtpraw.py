#!/usr/bin/env python3
"""smtpraw.py - one SMTP transaction with envelope addresses exactly as given.

  smtpraw.py PORT MAIL_ARG RCPT_ARG [RCPT_ARG...] < message

MAIL_ARG and each RCPT_ARG go verbatim after "MAIL FROM:" / "RCPT TO:" (so
"<\\"a\\\\\\"b\\"@x.net>" or "<a@x.net>,evil@y.net" reach the server as
typed). Prints one line per step, "STEP CODE TEXT" (ehlo, mail, rcpt, data),
and stops at the first refusal of MAIL or DATA; a refused RCPT is printed
and the others go on. Exit status 0 when the data got 250, else 1.
"""
import smtplib
import sys


def main():
    port, mail, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    data = sys.stdin.buffer.read()
    s = smtplib.SMTP("127.0.0.1", port, timeout=120)
    code, msg = s.ehlo("client.example.org")
    print("ehlo", code)
    code, msg = s.docmd("MAIL FROM:" + mail)
    print("mail", code, msg.decode(errors="replace"))
    if code != 250:
        return 1
    good = 0
    for r in rcpts:
        code, msg = s.docmd("RCPT TO:" + r)
        print("rcpt", code, msg.decode(errors="replace"))
        good += code in (250, 251)
    if not good:
        return 1
    try:
        code, msg = s.data(data)
    except smtplib.SMTPResponseException as e:
        code, msg = e.smtp_code, e.smtp_error
    print("data", code, msg.decode(errors="replace"))
    s.quit()
    return 0 if code == 250 else 1


sys.exit(main())
