/*
 * guest.h - the guest record: one per address that ever signed in.
 *
 * JSON text (jansson) in the guests database, keyed by the normalized
 * address: the invitations the guest redeemed (id, resource, when), the
 * last full sign-in, how the guest signed in last ("code" or "oidc:NAME"),
 * and the MFA state kept by mfa.h. Kept GUEST_KEEP after
 * the last change. A record of the first version (8 bytes: last sign-in)
 * reads as a guest with no invitations and no MFA.
 * Security: the record holds no usable secret: the TOTP secret is
 * encrypted (mfa.h) and recovery codes are keyed hashes.
 * Ownership: guest_load() returns a new reference (json_decref it).
 * Failure: store errors come back as store_status; a record that does not
 * parse reads as absent.
 */
#ifndef OTPD_GUEST_H
#define OTPD_GUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "caps.h"
#include "store.h"
#include "token.h"

#define GUEST_KEEP (400ull * 24 * 3600)
#define GUEST_MAX_INVITATIONS 64	/* the oldest are dropped past this */

/* guest_load - the record of addr, or NULL */
json_t *guest_load(struct store_txn *txn, const char *addr, uint64_t now) __attribute__((warn_unused_result, nonnull));

/* guest_save - write rec back (expiry now + GUEST_KEEP) */
enum store_status guest_save(struct store_txn *txn, const char *addr, json_t *rec, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* guest_redeemed - note that addr redeemed invitation t (record made if new); *first: this guest had not
 * redeemed t before. An invitation issued at or after the guest was disabled enables the guest again. */
enum store_status guest_redeemed(struct store_txn *txn, const char *addr, const struct token *t, uint64_t now,
				 bool *first) __attribute__((warn_unused_result, nonnull));

/* guest_disabled_at - when the sweeper disabled the guest (lifecycle.h); 0: enabled */
uint64_t guest_disabled_at(const json_t *rec) __attribute__((nonnull));

/* guest_may_sign_in - enabled, or t (NULL at /login and MFA) was issued after the guest was disabled */
bool guest_may_sign_in(const json_t *rec, const struct token *t) __attribute__((nonnull(1)));

/* guest_last_active - the later of the last full sign-in and the latest redemption (0: none) */
uint64_t guest_last_active(const json_t *rec) __attribute__((nonnull));

/* guest_state_word - "active" or "disabled" (otpctl guests) */
const char *guest_state_word(const json_t *rec) __attribute__((nonnull));

/* guest_signed_in - set last_sign_in in rec */
void guest_signed_in(json_t *rec, uint64_t now) __attribute__((nonnull));

/* guest_set_sign_in - how the guest signed in last: "code" or "oidc:NAME"; provider_mfa: that provider
 * asserted multi-factor sign-in (then otpd asked for no TOTP) */
void guest_set_sign_in(json_t *rec, const char *method, bool provider_mfa) __attribute__((nonnull));

/* guest_resource - the resource of a redeemed, unrevoked invitation that covers url (url NULL: the latest
 * such invitation); false if none */
bool guest_resource(struct store_txn *txn, const json_t *rec, const char *url, uint64_t now,
		    char out[CAP_URL_BYTES + 1]) __attribute__((warn_unused_result, nonnull(1, 2, 5)));

/* guest_list - one JSON object a line: email, sign_in, mfa, state, last_sign_in, invitations (otpctl guests) */
enum store_status guest_list(struct store_txn *txn, uint64_t now, FILE *out) __attribute__((nonnull));

#endif
