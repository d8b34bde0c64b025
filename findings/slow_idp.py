# slow_idp.py PORT - a partner "identity provider" whose discovery document never comes in time
# (the operator of a partner's provider, or just a provider that hangs): every request is held 30 s.
import http.server, socketserver, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(30)
        try:
            self.send_response(503); self.end_headers()
        except Exception:
            pass
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
