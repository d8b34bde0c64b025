-- tests/milter/lib.lua - helpers for the miltertest scripts (loaded with
-- dofile(libdir .. "/lib.lua"); run.sh passes -D sock=... -D libdir=...).
--
-- run(name, fn)  runs fn under pcall, prints "ok"/"not ok" lines and the
--                final "NAME: N passed, N failed"; os.exit(1) on any failure
--                (an uncaught Lua error would exit silently).
-- check(cond, msg) / check_eq(got, want, msg) record one result.
-- milter_log_line(event, qid) / log_field(line, key): read the milter's log.
-- send(m)        drives one message through the milter and returns the
--                connection and the stage at which the milter decided:
--                m = { ip = "127.0.0.1", auth = "alice" or nil,
--                      from = "staff@example.org", rcpts = { ... },
--                      headers = { { "Subject", "..." }, ... }, body = "..." }
--                The stage is "mail" or "rcpt" or "eoh" when the milter
--                accepted early (SMFIR_ACCEPT), else "eom".
--
-- Known limit of miltertest 1.6 (OpenDKIM): mt.eom() reads each request the
-- milter sends at end of message into a 1024-byte stack buffer without a
-- length check, so a replaced body larger than that kills miltertest with
-- "stack smashing detected". Keep rewritten test mails small (one guest, one
-- short text/plain part: ~930 bytes with the footer); larger rewrites are
-- tested end to end through Postfix (tests/e2e).

local T = { pass = 0, fail = 0 }

function check(cond, msg)
	if cond then
		T.pass = T.pass + 1
		print("ok " .. (T.pass + T.fail) .. " - " .. msg)
	else
		T.fail = T.fail + 1
		print("not ok " .. (T.pass + T.fail) .. " - " .. msg)
	end
end

function check_eq(got, want, msg)
	if got == want then
		check(true, msg)
	else
		check(false, msg .. ": got '" .. tostring(got) .. "', want '" .. tostring(want) .. "'")
	end
end

local reply_names = {}
local function name_replies()
	for _, n in ipairs({ "SMFIR_CONTINUE", "SMFIR_ACCEPT", "SMFIR_REJECT", "SMFIR_TEMPFAIL",
		"SMFIR_DISCARD", "SMFIR_REPLYCODE", "SMFIR_SKIP" }) do
		if _G[n] ~= nil then reply_names[_G[n]] = n end
	end
end

function reply_name(r)
	if next(reply_names) == nil then name_replies() end
	return reply_names[r] or tostring(r)
end

-- step(conn, what, err) - a miltertest call returned err (nil is success)
local function step(what, err)
	if err ~= nil then error(what .. " failed: " .. tostring(err), 0) end
end

-- decided(conn, stage) - nil to go on, or the stage name if the milter
-- accepted (or refused) the message already
local function decided(conn, stage)
	local r = mt.getreply(conn)
	if r == SMFIR_CONTINUE then return nil end
	return stage, r
end

function send(m)
	local conn = mt.connect(sock, 40, 0.25)
	if conn == nil then error("mt.connect(" .. tostring(sock) .. ") failed", 0) end
	step("conninfo", mt.conninfo(conn, m.host or "client.example.net", m.ip or "127.0.0.1"))
	local st, r = decided(conn, "connect")
	if st then return conn, st, r end
	-- A step the milter negotiated away must not be sent (miltertest raises).
	if not mt.test_option(conn, SMFIP_NOHELO) then
		step("helo", mt.helo(conn, "client.example.net"))
	end
	if m.auth then
		mt.macro(conn, SMFIC_MAIL, "i", m.qid or "4ABCDEF123", "{auth_authen}", m.auth,
			"{auth_type}", "PLAIN")
	else
		mt.macro(conn, SMFIC_MAIL, "i", m.qid or "4ABCDEF123")
	end
	step("mailfrom", mt.mailfrom(conn, "<" .. (m.from or "staff@example.org") .. ">"))
	st, r = decided(conn, "mail")
	if st then return conn, st, r end
	for _, rc in ipairs(m.rcpts) do
		step("rcptto", mt.rcptto(conn, "<" .. rc .. ">"))
		st, r = decided(conn, "rcpt")
		if st then return conn, st, r end
	end
	if not mt.test_option(conn, SMFIP_NOHDRS) then
		for _, h in ipairs(m.headers) do
			step("header " .. h[1], mt.header(conn, h[1], h[2]))
			st, r = decided(conn, "header")
			if st then return conn, st, r end
		end
	end
	if not mt.test_option(conn, SMFIP_NOEOH) then
		step("eoh", mt.eoh(conn))
		st, r = decided(conn, "eoh")
		if st then return conn, st, r end
	end
	if not mt.test_option(conn, SMFIP_NOBODY) then
		step("body", mt.bodystring(conn, m.body))
		st, r = decided(conn, "body")
		if st then return conn, st, r end
	end
	step("eom", mt.eom(conn))
	return conn, "eom", mt.getreply(conn)
end

-- expect_unchanged(conn, stage, r, what) - the milter let the mail through untouched
function expect_unchanged(conn, stage, r, what)
	if stage ~= "eom" then
		check_eq(reply_name(r), "SMFIR_ACCEPT", what .. ": accepted early (at " .. stage .. ")")
		return
	end
	check(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, what .. ": accepted at eom (" .. reply_name(r) .. ")")
	check(not mt.eom_check(conn, MT_BODYCHANGE), what .. ": body not changed")
	check(not mt.eom_check(conn, MT_HDRADD), what .. ": no header added")
	check(not mt.eom_check(conn, MT_HDRINSERT), what .. ": no header inserted")
	check(not mt.eom_check(conn, MT_HDRCHANGE), what .. ": no header changed")
	check(not mt.eom_check(conn, MT_HDRDELETE), what .. ": no header deleted")
end

-- The replies staff see, word for word: miltertest can only compare a whole
-- reply ("code xcode text"). Keep in step with milter/policy.c; the e2e
-- tests check the same replies by pattern through Postfix.
REPLY = {
	no_link = { "550", "5.7.1", "This mail is marked as an invitation ([invite] in the subject) but has " ..
		"no link to a shared resource. Add the link of what you share (it starts with " ..
		"https://teams.example.org/ or another configured address), or remove [invite] from the subject." },
	signed = { "550", "5.7.1", "Invitations cannot be signed or encrypted, because the links in them " ..
		"must be changed. Send it again unsigned and unencrypted." },
	too_many = { "550", "5.5.3", "Too many guests in one invitation (at most 50 outside the organisation). " ..
		"Send it in smaller groups." },
}

-- expect_refused(conn, stage, r, reply, what) - reply is one of REPLY
function expect_refused(conn, stage, r, reply, what)
	check_eq(stage, "eom", what .. ": decided at end of message")
	check_eq(reply_name(r), "SMFIR_REPLYCODE", what .. ": the milter set a reply")
	check(mt.eom_check(conn, MT_SMTPREPLY, reply[1], reply[2], reply[3]),
		what .. ": reply is '" .. reply[1] .. " " .. reply[2] .. " " .. reply[3]:sub(1, 40) .. "...'")
	check(not mt.eom_check(conn, MT_BODYCHANGE), what .. ": body not changed")
	check(not mt.eom_check(conn, MT_HDRADD), what .. ": no header added")
end

-- the test mail ------------------------------------------------------------

RESOURCE = "https://teams.example.org/t/research-lab"

function invite_msg(over)
	local m = {
		ip = "127.0.0.1",
		from = "staff@example.org",
		rcpts = { "guest@gmail.com" },
		headers = {
			{ "From", "Staff Member <staff@example.org>" },
			{ "To", "guest@gmail.com" },
			{ "Subject", "[invite] Join our research lab" },
			{ "Message-ID", "<t1@example.org>" },
			{ "MIME-Version", "1.0" },
			{ "Content-Type", "text/plain; charset=us-ascii" },
		},
		body = "Hello,\r\n\r\nplease join us: " .. RESOURCE .. "\r\n\r\nStaff\r\n",
	}
	for k, v in pairs(over or {}) do m[k] = v end
	return m
end

-- set_header(m, name, value) - replace (or add) a header of a test mail
function set_header(m, name, value)
	for _, h in ipairs(m.headers) do
		if h[1]:lower() == name:lower() then h[2] = value return end
	end
	table.insert(m.headers, { name, value })
end

-- milter_log_line(event, qid) - the milter's log line "event=EVENT queue_id=QID ..."
-- (run.sh passes the log's path as -D milterlog=...), or nil. Give each
-- message its own m.qid so the line is that message's.
function milter_log_line(event, qid)
	local f = io.open(milterlog, "r")
	if f == nil then error("cannot open the milter log " .. tostring(milterlog), 0) end
	local found = nil
	for line in f:lines() do
		if line:find("event=" .. event .. " queue_id=" .. qid .. " ", 1, true) then found = line end
	end
	f:close()
	return found
end

-- log_field(line, key) - the value of key=VALUE in a log line, or nil
function log_field(line, key)
	if line == nil then return nil end
	return (" " .. line):match(" " .. key .. "=([^ ]*)")
end

function run(name, fn)
	local okay, err = pcall(fn)
	if not okay then
		T.fail = T.fail + 1
		print("not ok " .. (T.pass + T.fail) .. " - Lua error: " .. tostring(err))
	end
	print(name .. ": " .. T.pass .. " passed, " .. T.fail .. " failed")
	if T.fail > 0 or T.pass == 0 then os.exit(1) end
	os.exit(0)
end
