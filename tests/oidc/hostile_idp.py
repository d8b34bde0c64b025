# hostile_idp.py PORT LOG OTHER_PORT - partner "identity providers" that hang or point otpd elsewhere,
# one per issuer path on one loopback port (every request is appended to LOG: method, path, time):
#   /slow     the discovery document never comes (held 60 s): a provider that hangs
#   /tarpit   discovery and keys answer at once; the token endpoint holds every request 60 s
#   /ssrf     discovery names a token endpoint on another origin (127.0.0.1:OTHER_PORT, otpd's host)
#   /ssrfjwks discovery names a jwks_uri on another host (https://169.254.169.254/...)
#   /fixed    as /ssrf, but otpd's config names the token endpoint (token_endpoint), so that one is used
# Used by t-otpd-slow-provider.sh; ended by its PID.
import http.server, json, socketserver, sys, threading, time

PORT, LOG, OTHER = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
BASE = "http://127.0.0.1:%d" % PORT
lock = threading.Lock()


def doc(name, token=None, jwks=None):
    iss = BASE + "/" + name
    return {"issuer": iss, "authorization_endpoint": iss + "/auth", "token_endpoint": token or iss + "/token",
            "jwks_uri": jwks or iss + "/jwks", "response_types_supported": ["code"]}


DOCS = {
    "/tarpit/.well-known/openid-configuration": doc("tarpit"),
    "/ssrf/.well-known/openid-configuration": doc("ssrf", token="http://127.0.0.1:%d/token" % OTHER),
    "/ssrfjwks/.well-known/openid-configuration": doc("ssrfjwks", jwks="https://169.254.169.254/latest/meta-data"),
    "/fixed/.well-known/openid-configuration": doc("fixed", token="http://127.0.0.1:%d/token" % OTHER),
}


class H(http.server.BaseHTTPRequestHandler):
    def note(self):
        with lock, open(LOG, "a") as f:
            f.write("%s %s %.3f\n" % (self.command, self.path, time.time()))

    def log_message(self, *a):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.note()
        if self.path in DOCS:
            return self.answer(DOCS[self.path])
        if self.path.endswith("/jwks"):
            return self.answer({"keys": []})
        time.sleep(60)

    def do_POST(self):
        self.note()
        time.sleep(60)


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


S(("127.0.0.1", PORT), H).serve_forever()
