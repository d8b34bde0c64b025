# 03-mail-timing.py HOST PORT accept|login GUEST STRANGER ROUNDS [TOKEN] - paired timings of the email step
# (accept: the JSON API of the link TOKEN; login: the /login page form); exit 1 when the guest's step is
# slower by > 0.2 ms at the median and in > 60 % of the pairs. Used by 03-mail-timing-oracle.sh.
import http.client, re, sys, time, urllib.parse, statistics, random, json
host, port, mode, known, unknown, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
tok = sys.argv[7] if len(sys.argv) > 7 else ""
c = http.client.HTTPConnection(host, port, timeout=10)
if mode == "login":
    c.request("GET", "/login"); r = c.getresponse(); body = r.read().decode()
    cookie = "; ".join(h.split(";")[0] for k, h in r.getheaders() if k.lower() == "set-cookie")
    csrf = re.search(r'name="csrf" value="([^"]*)"', body).group(1)
    H = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    def step(who):
        return "/login/email", urllib.parse.urlencode({"email": who, "csrf": csrf})
else:
    H = {"Content-Type": "application/json"}
    def step(who):
        return "/api/v1/accept/%s/email" % tok, json.dumps({"email": who})
t_ = {known: [], unknown: []}
for i in range(rounds):
    for who in random.sample([known, unknown], 2):
        p, b = step(who)
        t = time.perf_counter(); c.request("POST", p, b, H); r = c.getresponse(); r.read(); t = time.perf_counter() - t
        t_[who].append(t)
        time.sleep(0.25)
wins = sum(1 for a, b in zip(t_[known], t_[unknown]) if a > b)
mk, mu = statistics.median(t_[known]) * 1000, statistics.median(t_[unknown]) * 1000
print("rounds %d: the guest's step slower than the stranger's in %d; medians guest %.3f ms, stranger %.3f ms" % (rounds, wins, mk, mu))
sys.exit(1 if (mk - mu > 0.2 and wins > 0.6 * rounds) else 0)
