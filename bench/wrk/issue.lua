-- issue.lua - code issue load: POST /api/v1/accept/LINK/email for "link email" lines (env LINES),
-- each line once per thread pass; otpd writes a code, an outbox mail, limits and an audit line.
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
   return wrk.format("POST", "/api/v1/accept/" .. f[1] .. "/email",
      { ["Content-Type"] = "application/json" }, '{"email":"' .. f[2] .. '"}')
end
