-- t-no-link.lua - a tagged invitation without a link to a configured resource
-- is refused with 550 5.7.1 and a text that asks for the link.
dofile(libdir .. "/lib.lua")

run("t-no-link", function()
	local m = invite_msg({ auth = "alice",
		body = "Hello,\r\n\r\nplease join us: https://teams.example.com/elsewhere\r\n" })
	local conn, stage, r = send(m)
	expect_refused(conn, stage, r, REPLY.no_link, "no resource link")
	mt.disconnect(conn)
end)
