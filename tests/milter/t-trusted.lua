-- t-trusted.lua - a client in trusted_networks (127.0.0.1) without AUTH is
-- staff: the tagged mail is rewritten. A tag in another case counts too.
dofile(libdir .. "/lib.lua")

run("t-trusted", function()
	local m = invite_msg({ ip = "127.0.0.1" })
	set_header(m, "Subject", "Re: [INVITE] Join our research lab")
	local conn, stage, r = send(m)
	check_eq(stage, "eom", "decided at end of message")
	check(mt.eom_check(conn, MT_BODYCHANGE), "body replaced")
	check(mt.eom_check(conn, MT_HDRADD, "X-Guestlink-Invitation") or
		mt.eom_check(conn, MT_HDRINSERT, "X-Guestlink-Invitation"), "X-Guestlink-Invitation added")
	check(mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "Subject changed")
	mt.disconnect(conn)
end)
