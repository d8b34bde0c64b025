-- auth.lua - forward-auth load: GET /auth as nginx's auth_request sends it, with a full session's cookie
-- (env SESSION) and the resource URL asked about (env URL). Also used against the hello-world baseline.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
require("report")
wrk.method = "GET"
wrk.path = "/auth"
wrk.headers["Cookie"] = "guestlink_session=" .. os.getenv("SESSION")
wrk.headers["X-Original-URL"] = os.getenv("URL")
