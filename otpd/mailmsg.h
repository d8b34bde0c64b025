/*
 * mailmsg.h - the code mail: headers and a multipart/alternative body
 * (text and HTML), in the guest's language with the other one below.
 *
 * Security: the recipient must be a normalized address (addr_normalize
 * refuses anything that could break a header); mail_from is checked by
 * mailmsg_parse_from() at start-up; every variable part of a header is
 * encoded (RFC 2047), every variable part of HTML is escaped.
 * Ownership: mailmsg_compose() appends to a caller's buffer.
 */
#ifndef OTPD_MAILMSG_H
#define OTPD_MAILMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "lang.h"

struct mail_from {
	char name[256];		/* display name, may be empty */
	char addr[ADDR_BUF];	/* normalized */
};

enum mail_purpose {
	MAIL_ACCEPT,		/* accepting an invitation (inviter named) */
	MAIL_SIGN_IN,		/* a returning guest signing in (/login) */
};

struct mailmsg_params {
	const struct mail_from *from;
	const char *to;		/* normalized */
	const char *org_name;
	const char *inviter;
	const char *resource;
	const char *code;
	const char *link;	/* the mail key's confirm link, or NULL */
	unsigned ttl_minutes;
	enum lang lang;
	uint64_t now;
	enum mail_purpose purpose;
};

/* mailmsg_parse_from - "Name <addr>" or "addr"; false if unusable in a header */
bool mailmsg_parse_from(const char *text, struct mail_from *out) __attribute__((warn_unused_result, nonnull));

bool mailmsg_compose(const struct mailmsg_params *p, struct buf *out) __attribute__((warn_unused_result, nonnull));

#endif
