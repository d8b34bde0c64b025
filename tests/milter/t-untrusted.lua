-- t-untrusted.lua - a tagged mail to a guest from a client outside
-- trusted_networks that did not authenticate is not an invitation: no change.
dofile(libdir .. "/lib.lua")

run("t-untrusted", function()
	local conn, stage, r = send(invite_msg({ ip = "203.0.113.7" }))
	expect_unchanged(conn, stage, r, "untrusted, no AUTH")
	mt.disconnect(conn)
	-- An empty {auth_authen} is no authentication either.
	conn, stage, r = send(invite_msg({ ip = "203.0.113.7", auth = "" }))
	expect_unchanged(conn, stage, r, "untrusted, empty auth_authen")
	mt.disconnect(conn)
end)
