/*
 * flow.h - the guest's way in, with no HTTP in it: check a link, ask for a
 * code, type the code. Routes (http.c) parse, call these, render.
 *
 * Security: flow_email() gives the caller nothing that tells an invited
 * address from another: both paths do the same write transaction and the
 * caller answers the same. Limits (GCRA in LMDB) burn codes and refuse
 * mails; they never change what the email step answers.
 * Failure: FLOW_UNAVAILABLE when the store cannot record (answer 503).
 */
#ifndef OTPD_FLOW_H
#define OTPD_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "keys.h"
#include "lang.h"
#include "mailmsg.h"
#include "outbox.h"
#include "secrets.h"
#include "session.h"
#include "store.h"
#include "token.h"

struct flow_ctx {
	const struct config *cfg;
	struct store *st;
	const struct secrets *keys;
	const struct keyring *ring;
	const struct mail_from *from;
	struct outbox *ob;		/* may be NULL (tests) */
};

enum link_status { LINK_OK, LINK_INVALID, LINK_EXPIRED, LINK_REVOKED, LINK_UNAVAILABLE };

enum flow_result {
	FLOW_ACCEPTED,		/* email step: the one answer */
	FLOW_SIGNED_IN,
	FLOW_WRONG_CODE,	/* wrong, expired, spent, burned or never sent */
	FLOW_LIMITED,		/* too many tries: retry_after says when */
	FLOW_UNAVAILABLE,
};

/* client: the limit key of the client address (IPv4, or the /64 of IPv6) */
struct flow_client {
	uint8_t key[9];
	size_t len;
};

void flow_client_from_text(const char *ip, struct flow_client *out) __attribute__((nonnull));

enum link_status flow_link(const struct flow_ctx *fx, const char *text, size_t len, uint64_t now, struct token *t)
	__attribute__((warn_unused_result, nonnull));

enum flow_result flow_email(const struct flow_ctx *fx, const struct token *t, const char *email,
			    const struct flow_client *client, enum lang lang, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

enum flow_result flow_code(const struct flow_ctx *fx, const struct token *t, const char *email, const char *code,
			   const struct flow_client *client, uint64_t now, char session[SESSION_TEXT],
			   uint64_t *retry_after) __attribute__((warn_unused_result, nonnull));

#endif
