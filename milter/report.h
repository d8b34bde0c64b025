/*
 * report.h - tell otpd about each invitation, best effort, off the mail path.
 *
 * report_submit() only queues (never blocks, never fails the mail); one
 * thread POSTs each record to <otpd_url>/api/v1/invitations with libcurl,
 * signed with the milter's Ed25519 key (X-Guestlink-Signature: kid:sig over
 * the body), 2 s timeout, one retry. A full queue or a failed POST is logged
 * and dropped: links work without otpd's record, the signature is the
 * authority (DESIGN.md).
 */
#ifndef GUESTLINK_REPORT_H
#define GUESTLINK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "keys.h"
#include "milter_config.h"

struct report {
	char invitation[33];
	char inviter[256];
	char queue_id[CAP_QUEUE_ID_BYTES];
	const char *resources;	/* space-separated; copied by report_submit */
	size_t guests;
	uint64_t issued_at, expires_at;
};

/* report_start - start the sender thread if otpd_url is set; false if it could not start */
bool report_start(const struct milter_config *cfg, const struct signing_key *key) __attribute__((nonnull));
void report_submit(const struct report *r) __attribute__((nonnull));
void report_stop(void);

/* report_body - the JSON body for a record (caller frees); exposed for tests */
char *report_body(const struct report *r, const uint8_t kid[KEYS_KID_LEN], uint64_t now)
	__attribute__((nonnull));

#endif
