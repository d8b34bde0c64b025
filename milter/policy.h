/*
 * policy.h - when is a mail an invitation, and what do we answer.
 *
 * Pure decisions over what the milter collected (no libmilter, no MIME), so
 * every rule of DESIGN.md "When is a mail an invitation?" is a table test.
 * The replies (SMTP code, enhanced code, text) live here too, in one table,
 * so staff see the same words whatever path refused them.
 */
#ifndef GUESTLINK_POLICY_H
#define GUESTLINK_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "milter_config.h"
#include "rewrite.h"

enum staff_reason {
	STAFF_NO,		/* not staff: never an invitation */
	STAFF_AUTH,		/* SMTP AUTH ({auth_authen}) */
	STAFF_NETWORK,		/* client in trusted_networks */
	STAFF_LOCAL,		/* local sendmail (non_smtpd_milters), sender in local_submitters */
	STAFF_LOCAL_REFUSED,	/* local sendmail from any other sender: a tagged mail is refused */
	STAFF_LOGIN_REFUSED,	/* SMTP AUTH with a login that is no address: a tagged mail is refused */
	STAFF_INVITER_REFUSED,	/* staff, but the inviter is outside internal_domains: a tagged mail is refused */
};

enum verdict {
	VERDICT_PASS,			/* not an invitation: deliver unchanged */
	VERDICT_REWRITE,		/* an invitation: deliver rewritten */
	VERDICT_REJECT_NO_LINK,		/* tagged, but no resource link */
	VERDICT_REJECT_SIGNED,		/* tagged, but signed or encrypted */
	VERDICT_REJECT_TOO_MANY,	/* more guests than max_recipients */
	VERDICT_REJECT_TOO_BIG,		/* larger than max_message_size */
	VERDICT_TEMPFAIL,		/* we failed; the client keeps the mail and retries */
	VERDICT_REJECT_BAD_ADDRESS,	/* tagged, and an outside recipient address we cannot invite */
	VERDICT_REJECT_LOCAL,		/* tagged, from sendmail by a sender not in local_submitters */
	VERDICT_REJECT_LOGIN,		/* tagged, from a SASL login that cannot be made an address */
	VERDICT_REJECT_MALFORMED,	/* the message's own MIME structure cannot be rewritten safely */
	VERDICT_REJECT_INVITER,		/* tagged, and the inviter is not an address of the organisation */
};

struct policy_msg {
	enum staff_reason staff;
	size_t n_guests;	/* distinct envelope recipients outside internal_domains */
	bool tagged;		/* subject carries the tag */
	bool too_big;		/* body passed max_message_size, or more than CAP_HEADER_COUNT headers */
	size_t n_bad;		/* outside envelope recipients whose address addr_normalize refuses */
};

struct policy_reply {
	const char *rcode;	/* "550" */
	const char *xcode;	/* "5.7.1" */
	const char *text;	/* for a person */
};

/*
 * policy_staff - is the sender staff, and who is the inviter?
 *
 * auth_authen: the SASL login ({auth_authen}; NULL or "" without SMTP AUTH);
 * sender: the normalized envelope sender ("" for <> or one addr_normalize
 * refused); addr_trusted: client address in trusted_networks; local: the
 * sendmail command. Security: the inviter (what the token, the accept page
 * and the code mail name) is the login when there is one, never the envelope
 * sender, which the client picks: the login as it is when it is an address,
 * else login@login_domain. Local mail is staff only from local_submitters.
 * inviter gets the inviter's address ("" when the reason is a refusal or NO).
 */
enum staff_reason policy_staff(const struct milter_config *cfg, const char *auth_authen, const char *sender,
			       bool addr_trusted, bool local, char inviter[ADDR_BUF]) __attribute__((nonnull(1, 3, 6)));

/* policy_wants_body - after the headers: could this still be an invitation? */
bool policy_wants_body(const struct milter_config *cfg, const struct policy_msg *m) __attribute__((nonnull));

/* policy_before_rewrite - a verdict that needs no body look (too many, too big), or VERDICT_REWRITE to go on */
enum verdict policy_before_rewrite(const struct milter_config *cfg, const struct policy_msg *m) __attribute__((nonnull));

/* policy_after_rewrite - the verdict once the rewriter has looked at the body */
enum verdict policy_after_rewrite(const struct milter_config *cfg, const struct policy_msg *m, enum rewrite_result r)
	__attribute__((nonnull));

/* policy_reply - the SMTP reply for a refusing verdict (rcode NULL for PASS/REWRITE) */
void policy_reply(const struct milter_config *cfg, enum verdict v, char *text, size_t textsz, struct policy_reply *out)
	__attribute__((nonnull));

/*
 * policy_reply_why - the same, with what is wrong in the message for
 * VERDICT_REJECT_MALFORMED (rewrite_stats.why; NULL: a generic phrase)
 */
void policy_reply_why(const struct milter_config *cfg, enum verdict v, const char *why, char *text, size_t textsz,
		      struct policy_reply *out) __attribute__((nonnull(1, 4, 6)));

const char *policy_verdict_word(enum verdict v);
const char *policy_staff_word(enum staff_reason s);

#endif
