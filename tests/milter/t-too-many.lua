-- t-too-many.lua - more guests than max_recipients (50 by default) is
-- refused with 550 5.5.3. (That 50 guests are fine is an e2e test,
-- t-max-recipients.sh: their rewritten body is larger than the 1 KiB that
-- miltertest can take back from a milter without crashing.)
dofile(libdir .. "/lib.lua")

local function rcpts(n)
	local t = {}
	for i = 1, n do table.insert(t, "guest" .. i .. "@gmail.com") end
	return t
end

run("t-too-many", function()
	local conn, stage, r = send(invite_msg({ auth = "alice", rcpts = rcpts(51) }))
	expect_refused(conn, stage, r, REPLY.too_many, "51 guests")
	mt.disconnect(conn)
end)
