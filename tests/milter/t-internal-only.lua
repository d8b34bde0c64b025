-- t-internal-only.lua - a tagged mail from staff to internal recipients only
-- (internal_domains, subdomains included, any case) is not an invitation.
-- And an untagged one to a guest is not one either.
dofile(libdir .. "/lib.lua")

run("t-internal-only", function()
	local m = invite_msg({ auth = "alice", rcpts = { "colleague@example.org", "x@Lab.Example.ORG" } })
	local conn, stage, r = send(m)
	expect_unchanged(conn, stage, r, "internal only")
	mt.disconnect(conn)

	m = invite_msg({ auth = "alice" })
	set_header(m, "Subject", "Join our research lab")
	conn, stage, r = send(m)
	expect_unchanged(conn, stage, r, "no tag")
	mt.disconnect(conn)

	-- A look-alike domain is not internal.
	m = invite_msg({ auth = "alice", rcpts = { "someone@notexample.org" } })
	conn, stage, r = send(m)
	check_eq(stage, "eom", "notexample.org is a guest: decided at eom")
	check(mt.eom_check(conn, MT_BODYCHANGE), "notexample.org is a guest: body replaced")
	mt.disconnect(conn)
end)
