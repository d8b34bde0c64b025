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
	MAIL_NEW_AUTH,		/* a signed-in guest replacing the authenticator (/account) */
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

/* The inviter's notices (notice.h): plain text, the org's language pair, English first then Dutch. */
enum notice_kind {
	NOTICE_ACCEPTED,	/* the guest first redeemed the invitation */
	NOTICE_DISABLED,	/* the guest was disabled for not signing in */
};

struct notice_params {
	const struct mail_from *from;
	const char *to;		/* the inviter, normalized */
	const char *org_name;
	enum notice_kind kind;
	const char *guest;	/* normalized */
	const char *resource;
	const char *invitation;	/* 32 hex (NOTICE_ACCEPTED) */
	const char *method;	/* NOTICE_ACCEPTED: "code" or "oidc:NAME" */
	uint64_t at;		/* redeemed at / last sign-in */
	uint64_t until;		/* NOTICE_DISABLED: deleted then (0: never) */
	uint64_t now;
};

/* mailmsg_notice - compose an inviter's notice (every variable part checked or encoded) */
bool mailmsg_notice(const struct notice_params *p, struct buf *out) __attribute__((warn_unused_result, nonnull));

/* mailmsg_parse_from - "Name <addr>" or "addr"; false if unusable in a header */
bool mailmsg_parse_from(const char *text, struct mail_from *out) __attribute__((warn_unused_result, nonnull));

bool mailmsg_compose(const struct mailmsg_params *p, struct buf *out) __attribute__((warn_unused_result, nonnull));

#endif
