-- t-signed.lua - a tagged invitation that is signed (multipart/signed) is
-- never modified: refused with 550 5.7.1 (the text says to send it unsigned).
-- So is an S/MIME opaque one (application/pkcs7-mime).
dofile(libdir .. "/lib.lua")

run("t-signed", function()
	local m = invite_msg({ auth = "alice" })
	set_header(m, "Content-Type",
		"multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"sig\"")
	m.body = "--sig\r\nContent-Type: text/plain\r\n\r\nJoin: " .. RESOURCE .. "\r\n" ..
		"--sig\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n" ..
		"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n--sig--\r\n"
	local conn, stage, r = send(m)
	expect_refused(conn, stage, r, REPLY.signed, "multipart/signed")
	mt.disconnect(conn)

	m = invite_msg({ auth = "alice" })
	set_header(m, "Content-Type", "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m")
	set_header(m, "Content-Transfer-Encoding", "base64")
	m.body = "MIAGCSqGSIb3DQEHA6CAMIACAQAxggGHMIIBgwIBADBr\r\n"
	conn, stage, r = send(m)
	expect_refused(conn, stage, r, REPLY.signed, "application/pkcs7-mime")
	mt.disconnect(conn)
end)
