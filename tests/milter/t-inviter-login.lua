-- t-inviter-login.lua - an SMTP-authenticated sender is named by the SASL
-- login ({auth_authen}), never by the envelope sender: run.sh's config has
-- login_domain = example.org, so a bare login "alice" is alice@example.org
-- and a login that is an address is that address (normalized). A login that
-- cannot be an address even so (a space in it) gets the invitation refused
-- with 550 5.7.1 saying why. The inviter is read from the milter's log line,
-- which names what the token carries (tests/e2e/t-submission-*.sh check the
-- token itself with otpctl inspect).
dofile(libdir .. "/lib.lua")

local LOGIN = { "550", "5.7.1", "You are logged in as a name that is not an email address, so the " ..
	"invitation cannot name you as the inviter. Log in with your email address, or ask the mail " ..
	"administrator to set login_domain in the [milter] section of guestlink.conf." }

-- rewritten_by(auth, from, qid, want, what) - the invitation goes out and names want
local function rewritten_by(auth, from, qid, want, what)
	local conn, stage, r = send(invite_msg({ ip = "203.0.113.7", auth = auth, from = from, qid = qid }))
	check_eq(stage, "eom", what .. ": decided at end of message")
	check(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, what .. ": accepted (" .. reply_name(r) .. ")")
	check(mt.eom_check(conn, MT_BODYCHANGE), what .. ": body replaced")
	mt.disconnect(conn)
	local line = milter_log_line("invitation", qid)
	check(line ~= nil, what .. ": the milter logged the invitation")
	check_eq(log_field(line, "inviter"), want, what .. ": the inviter is the login")
	check_eq(log_field(line, "staff"), "auth", what .. ": staff because authenticated")
end

run("t-inviter-login", function()
	rewritten_by("alice", "staff@example.org", "4INVLOGIN1", "alice@example.org",
		"bare login, another envelope sender")
	rewritten_by("Bob@Example.ORG", "staff@example.org", "4INVLOGIN2", "bob@example.org",
		"login that is an address")
	rewritten_by("carol", "", "4INVLOGIN3", "carol@example.org", "null envelope sender")

	local m = invite_msg({ ip = "203.0.113.7", auth = "dave smith", qid = "4INVLOGIN4" })
	local conn, stage, r = send(m)
	expect_refused(conn, stage, r, LOGIN, "login with a space")
	mt.disconnect(conn)
	check_eq(log_field(milter_log_line("refused", "4INVLOGIN4"), "verdict"), "reject_login",
		"login with a space: logged as reject_login")

	-- Not an invitation: ordinary mail from that login still passes untouched.
	m = invite_msg({ ip = "203.0.113.7", auth = "dave smith", qid = "4INVLOGIN5" })
	set_header(m, "Subject", "Lunch?")
	conn, stage, r = send(m)
	expect_unchanged(conn, stage, r, "untagged mail from that login")
	mt.disconnect(conn)
end)
