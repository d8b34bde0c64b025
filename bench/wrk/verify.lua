-- verify.lua - code verification load: POST /api/v1/accept/LINK/code for "link email code" lines (env
-- LINES), each right code once; otpd checks and spends the code, records the guest and the redeemed
-- invitation, starts a session. Lines run out: later answers are 401 and counted as bad.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
require("lines")
require("report")
local mine, next_i
-- SPREAD_CLIENTS=1: each request as from another guest's network (X-Forwarded-For, believed from 127.0.0.1
-- as trusted_proxies): a header value only, from the documentation prefix 2001:db8::/32, nothing is sent there.
local spread = os.getenv("SPREAD_CLIENTS") == "1"

function init(args)
   mine = load_lines()
   next_i = 1
end

function headers()
   local h = { ["Content-Type"] = "application/json" }
   if spread then
      h["X-Forwarded-For"] = string.format("2001:db8:%x:%x::1", math.random(0, 65535), math.random(0, 65535))
   end
   return h
end

function request()
   local f = mine[next_i]
   next_i = next_i % #mine + 1
   return wrk.format("POST", "/api/v1/accept/" .. f[1] .. "/code",
      headers(), '{"email":"' .. f[2] .. '","code":"' .. f[3] .. '"}')
end
