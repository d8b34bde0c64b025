-- t-auth-untrusted.lua - an SMTP-authenticated sender ({auth_authen}) from an
-- address outside trusted_networks is staff: the tagged mail is rewritten
-- (new body, X-Guestlink-Invitation added, tag gone from the Subject), and
-- the inviter is the login: "alice" with run.sh's login_domain = example.org
-- is alice@example.org, not the envelope sender staff@example.org.
dofile(libdir .. "/lib.lua")

run("t-auth-untrusted", function()
	local m = invite_msg({ ip = "203.0.113.7", auth = "alice", qid = "4AUTHUNTR1" })
	local conn, stage, r = send(m)
	check_eq(stage, "eom", "decided at end of message")
	check(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "accepted (" .. reply_name(r) .. ")")
	check(mt.eom_check(conn, MT_BODYCHANGE), "body replaced")
	check(mt.eom_check(conn, MT_HDRADD, "X-Guestlink-Invitation") or
		mt.eom_check(conn, MT_HDRINSERT, "X-Guestlink-Invitation"), "X-Guestlink-Invitation added")
	local id = mt.getheader(conn, "X-Guestlink-Invitation", 0)
	check(id ~= nil and string.match(id, "^%s*%x+%s*$") ~= nil and #(id:gsub("%s", "")) == 32,
		"X-Guestlink-Invitation is 32 hex digits (" .. tostring(id) .. ")")
	check(mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "Subject changed")
	check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "Join our research lab") or
		mt.eom_check(conn, MT_HDRCHANGE, "Subject", " Join our research lab"),
		"Subject is now 'Join our research lab'")
	mt.disconnect(conn)
	local line = milter_log_line("invitation", "4AUTHUNTR1")
	check_eq(log_field(line, "inviter"), "alice@example.org", "the inviter is the login (alice@example.org)")
	check_eq(log_field(line, "staff"), "auth", "staff because authenticated")
end)
