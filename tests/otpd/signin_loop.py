#!/usr/bin/env python3
"""signin_loop.py PORT TOKEN EMAIL N SINKDIR - sign EMAIL in N times through the accept link's JSON API,
reading each code from the smtp-sink directory (red team 2, finding 08: tests/otpd/t-rt2-redeemed-list.sh).
Prints how many sign-ins answered 200. A capture file without the code yet is read again (smtp-sink may be
writing it); the wait for each code is up to about 20 s."""
import http.client, json, os, re, sys, time

port, tok, email, n, sink = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
seen = set(os.listdir(sink))
ok = 0
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)


def post(path, body):
    global c
    for _ in range(2):
        try:
            c.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            return r.status
        except (http.client.HTTPException, OSError):
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    return 0


for i in range(n):
    post("/api/v1/accept/%s/email" % tok, {"email": email})
    code = None
    for _ in range(1000):
        # A capture file is done with once its code was read: smtp-sink may still be writing a new one.
        for f in os.listdir(sink):
            if f in seen:
                continue
            try:
                text = open(os.path.join(sink, f), "rb").read().decode("utf-8", "replace")
            except OSError:
                continue
            if ("To: <%s>" % email) not in text:
                if "To: <" in text:  # another recipient's mail (the inviter's notice)
                    seen.add(f)
                continue
            m = re.search(r"^(\d{8})\r?$", text, re.M)
            if m:
                seen.add(f)
                code = m.group(1)
                break
        if code:
            break
        time.sleep(0.02)
    if code and post("/api/v1/accept/%s/code" % tok, {"email": email, "code": code}) == 200:
        ok += 1
print(ok)
