/*
 * invite.h - turn one collected message into a verdict and its changes.
 *
 * The milter callbacks collect envelope, headers and body; invite_process()
 * decides (policy), rewrites (rewrite, subject, footer) and signs the accept
 * links (token), knowing nothing of libmilter, so the whole path from a
 * message to its changes runs in unit tests and under a fuzzer.
 *
 * All tokens of one mail share one invitation id (one X-Guestlink-Invitation
 * header, one record at otpd, one revoke for all its links); each carries
 * the resource URL it replaces.
 *
 * Ownership: struct invite_result holds buffers; invite_result_free() them.
 */
#ifndef GUESTLINK_INVITE_H
#define GUESTLINK_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "milter_config.h"
#include "keys.h"
#include "policy.h"
#include "rewrite.h"
#include "token.h"

struct invite_request {
	const struct milter_config *cfg;
	const struct signing_key *key;
	enum staff_reason staff;
	const char *sender;		/* the inviter (policy_staff: SASL login, else envelope sender); "" if none */
	const char *const *guests;	/* normalized external envelope recipients, distinct */
	size_t n_guests;
	size_t n_bad;			/* outside recipients addr_normalize refused (never guests) */
	const char *subject;		/* raw Subject value, NULL if none */
	const char *headers;		/* top-level MIME headers as "Name: value\r\n" */
	size_t headers_len;
	const char *body;
	size_t body_len;
	bool too_big;			/* body passed max_message_size (and was not kept) */
	struct rewrite_scratch *scratch;	/* the rewriter's buffers, reused; NULL: per call */
	uint64_t now;
};

struct invite_result {
	enum verdict verdict;
	enum rewrite_result rewrite;
	struct buf body;		/* new body, when VERDICT_REWRITE */
	struct buf subject;		/* new Subject value, when subject_changed */
	bool subject_changed;
	char id_hex[2 * TOKEN_ID_LEN + 1];
	uint64_t issued_at, expires_at;
	struct buf resources;		/* distinct resource URLs, space-separated, for the log and otpd */
	size_t n_resources;
	struct rewrite_stats stats;
};

/* invite_tagged - does the raw Subject carry the tag? (cheap: decides whether the body is needed) */
bool invite_tagged(const struct milter_config *cfg, const char *subject) __attribute__((nonnull(1)));

void invite_result_init(struct invite_result *res) __attribute__((nonnull));
void invite_result_free(struct invite_result *res) __attribute__((nonnull));

/* invite_process - the verdict for the message, and for VERDICT_REWRITE the new body and subject */
enum verdict invite_process(const struct invite_request *req, struct invite_result *res)
	__attribute__((nonnull));

#endif
