-- t-bad-address.lua - an outside envelope recipient whose address the milter
-- will not put in an invitation (quotes, spaces, brackets: addr_normalize
-- refuses it) makes a tagged mail refused with 550 5.1.3, alone or beside a
-- plain guest; such an address at an internal domain is just a colleague; an
-- untagged mail to one is ordinary mail and passes untouched.
dofile(libdir .. "/lib.lua")

local BAD_ADDRESS = { "550", "5.1.3", "A recipient outside the organisation has an address an invitation " ..
	"cannot carry (quotes, spaces, brackets, commas or semicolons). Invite each guest at a plain address " ..
	"such as name@example.com." }

run("t-bad-address", function()
	local conn, stage, r = send(invite_msg({ auth = "alice", rcpts = { '"a b"@x.net' } }))
	expect_refused(conn, stage, r, BAD_ADDRESS, "quoted local part alone")
	mt.disconnect(conn)

	conn, stage, r = send(invite_msg({ auth = "alice", rcpts = { "guest@gmail.com", '"a\\"b"@x.net' } }))
	expect_refused(conn, stage, r, BAD_ADDRESS, "a plain guest and a quoted one")
	mt.disconnect(conn)

	conn, stage, r = send(invite_msg({ auth = "alice", rcpts = { "guest@gmail.com", '"Bcc: evil@y.net"@x.net' } }))
	expect_refused(conn, stage, r, BAD_ADDRESS, "a header name inside quotes")
	mt.disconnect(conn)

	conn, stage, r = send(invite_msg({ auth = "alice", rcpts = { "guest@gmail.com", '"john smith"@example.org' } }))
	check_eq(stage, "eom", "odd internal address: decided at end of message")
	check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "odd internal address: accepted (" .. reply_name(r) .. ")")
	check(mt.eom_check(conn, MT_BODYCHANGE), "odd internal address: body rewritten")
	check(mt.eom_check(conn, MT_HDRADD, "X-Guestlink-Invitation"), "odd internal address: invitation header added")
	mt.disconnect(conn)

	local m = invite_msg({ auth = "alice", rcpts = { '"a b"@x.net' } })
	set_header(m, "Subject", "Join our research lab")
	conn, stage, r = send(m)
	expect_unchanged(conn, stage, r, "untagged mail to a quoted address")
	mt.disconnect(conn)
end)
