/*
 * privacy.h - privacy before consent: before a guest's first sign-in
 * finishes (the authenticator enrolment that follows the first code), the
 * guest sees once what is kept about them and for how long, with a link to
 * the organisation's statement ([guestlink] privacy_url), and accepts it.
 * The acceptance and its time are recorded in the guest record
 * ("privacy_accepted_at") and as an audit line.
 * Only a code-level session (between the first code and MFA) has a
 * privacy step; /mfa/setup sends such a session to /privacy first.
 * The step is on when [guestlink] privacy_url is set (the page links to the
 * statement); unset, the sign-in goes on to /mfa/setup as before.
 */
#ifndef OTPD_PRIVACY_H
#define OTPD_PRIVACY_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

enum privacy_state {
	PRIVACY_DONE,		/* accepted (or nothing to accept: no code-level session) */
	PRIVACY_NEEDED,		/* a code-level session whose guest has not accepted yet */
	PRIVACY_UNAVAILABLE,
};

/* privacy_state - does the cookie's session still have to accept the privacy page? */
enum privacy_state privacy_state(const struct flow_ctx *fx, const char *cookie, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* privacy_accept - record the acceptance at now; PRIVACY_NEEDED: no code-level session to accept for */
enum privacy_state privacy_accept(const struct flow_ctx *fx, const char *cookie, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

#endif
