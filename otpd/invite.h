/*
 * invite.h - invitations otpd knows of: reports from the milter, redemptions,
 * revocations.
 *
 * The token's signature is the authority: a link whose invitation otpd
 * never heard of still works. A record here only adds what a token cannot
 * say: that it was revoked, and who redeemed it. Records are struct
 * invitation (record.h, binary; older JSON ones read too) keyed by the
 * 16-byte invitation id, kept until 30 days after the link expires.
 * Security: a report is accepted only with an Ed25519 signature by a key in
 * verify_keys over the exact body, and a sent_at within 300 s of now.
 */
#ifndef OTPD_INVITE_H
#define OTPD_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "keys.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define INVITE_SKEW 300
#define INVITE_KEEP (30 * 24 * 3600)
/*
 * Security: a revocation is kept for good. A redeemed guest's record lists the
 * invitation and is renewed at every sign-in, so a revocation that expired
 * would give the access back; revocations are few and small.
 */
#define INVITE_REVOKED_KEEP ((uint64_t)INT64_MAX)

enum invite_status {
	INVITE_OK,
	INVITE_MALFORMED,	/* not the JSON we expect */
	INVITE_BAD_SIGNATURE,	/* no key, bad signature, or sent_at too far from now */
};

struct invite_report {
	uint8_t id[TOKEN_ID_LEN];
	uint64_t expires_at;
	struct invitation rec;	/* the record to store (invite_report_clear frees it) */
};

/* invite_report_check - verify and parse a milter report; on OK fill rep (then invite_report_clear it) */
enum invite_status invite_report_check(const char *body, size_t len, const char *sig_header, const struct keyring *ring,
				       uint64_t now, struct invite_report *rep)
	__attribute__((warn_unused_result, nonnull(1, 4, 6)));

/* invite_report_clear - free what invite_report_check filled in */
void invite_report_clear(struct invite_report *rep) __attribute__((nonnull));

/* invite_store - store a checked report unless one with that id exists (idempotent) */
enum store_status invite_store(struct store_txn *txn, const struct invite_report *rep, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* invite_is_revoked - has this invitation been revoked? */
bool invite_is_revoked(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now) __attribute__((nonnull));

/* invite_redeemed - note that addr signed in with this invitation (record made from the token if new) */
enum store_status invite_redeemed(struct store_txn *txn, const struct token *t, const char *addr, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* invite_close - the guest addr was disabled at now: this invitation's link stays refused to addr, in the
 * invitation's record (which keeps its expiry; a revoked one stays for good). No record: nothing to do (every
 * redemption makes one, kept until the link expires + INVITE_KEEP, so its link has expired). */
enum store_status invite_close(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], const char *addr, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* invite_closed_at - when this invitation was closed to addr (invite_close); 0: open, or no record */
uint64_t invite_closed_at(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], const char *addr, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* invite_revoke - revoke by id (32 hex); record made if new */
enum store_status invite_revoke(struct store_txn *txn, const uint8_t id[TOKEN_ID_LEN], uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* invite_list - one JSON object per line, with a computed "state" */
enum store_status invite_list(struct store_txn *txn, uint64_t now, FILE *out) __attribute__((nonnull));

/* invite_id_parse - 32 hex characters to 16 bytes */
bool invite_id_parse(const char *hex, uint8_t id[TOKEN_ID_LEN]) __attribute__((warn_unused_result, nonnull));

#endif
