#!/usr/bin/env python3
"""signin_loop.py PORT TOKEN EMAIL N SINKDIR - sign EMAIL in N times through the accept link's JSON API,
reading each code from the smtp-sink directory (finding 08). Prints how many sign-ins answered 200."""
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
    for _ in range(400):
        new = [f for f in os.listdir(sink) if f not in seen]
        for f in new:
            seen.add(f)
            try:
                text = open(os.path.join(sink, f), "rb").read().decode("utf-8", "replace")
            except OSError:
                continue
            if ("To: <%s>" % email) in text:
                m = re.search(r"^(\d{8})\r?$", text, re.M)
                if m:
                    code = m.group(1)
        if code:
            break
        time.sleep(0.02)
    if code and post("/api/v1/accept/%s/code" % tok, {"email": email, "code": code}) == 200:
        ok += 1
print(ok)
