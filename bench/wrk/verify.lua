-- verify.lua - code verification load: POST /api/v1/accept/LINK/code for "link email code" lines (env
-- LINES), each right code once; otpd checks and spends the code, records the guest and the redeemed
-- invitation, starts a session. Lines run out: later answers are 401 and counted as bad.
package.path = os.getenv("WRK_DIR") .. "/?.lua;" .. package.path
require("lines")
require("report")
local mine, next_i

function init(args)
   mine = load_lines()
   next_i = 1
end

function request()
   local f = mine[next_i]
   next_i = next_i % #mine + 1
   return wrk.format("POST", "/api/v1/accept/" .. f[1] .. "/code",
      { ["Content-Type"] = "application/json" }, '{"email":"' .. f[2] .. '","code":"' .. f[3] .. '"}')
end
