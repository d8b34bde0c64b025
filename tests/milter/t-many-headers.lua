-- t-many-headers.lua - the milter keeps no MIME headers past
-- CAP_HEADER_COUNT (1000) header fields, so a tagged mail with more is
-- refused (552 5.3.4, too big) instead of rewritten without them - even when
-- the Subject with the tag comes after the 1000th field. 990 are fine.
dofile(libdir .. "/lib.lua")

local TOO_BIG = { "552", "5.3.4", "This invitation is too large to process (at most 33554432 bytes and " ..
	"1000 header fields). Share attachments as a link instead." }

-- with_fillers(n, subject_last) - the test invitation with n X-Filler fields
-- before its own headers (or before all but the Subject, which comes last)
local function with_fillers(n, subject_last)
	local m = invite_msg({ auth = "alice" })
	local h = {}
	local subject
	for i = 1, n do table.insert(h, { "X-Filler-" .. i, "value " .. i }) end
	for _, x in ipairs(m.headers) do
		if subject_last and x[1] == "Subject" then subject = x else table.insert(h, x) end
	end
	if subject then table.insert(h, subject) end
	m.headers = h
	return m
end

run("t-many-headers", function()
	local conn, stage, r = send(with_fillers(1200, false))
	expect_refused(conn, stage, r, TOO_BIG, "1200 fields, MIME headers after the 1000th")
	mt.disconnect(conn)

	conn, stage, r = send(with_fillers(1200, true))
	expect_refused(conn, stage, r, TOO_BIG, "1200 fields, the tagged Subject after the 1000th")
	mt.disconnect(conn)

	conn, stage, r = send(with_fillers(990, false))
	check_eq(stage, "eom", "990 fields: decided at end of message")
	check(mt.eom_check(conn, MT_BODYCHANGE), "990 fields: body rewritten")
	check(mt.eom_check(conn, MT_HDRADD, "X-Guestlink-Invitation"), "990 fields: invitation header added")
	mt.disconnect(conn)
end)
