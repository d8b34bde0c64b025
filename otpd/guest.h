/*
 * guest.h - the guest record: one per address that ever signed in.
 *
 * A struct guest (record.h) in the guests database, keyed by the normalized
 * address, in record.c's binary format: the invitations the guest redeemed
 * (id, resource, inviter, when), the last full sign-in, how the guest signed
 * in last ("code" or "oidc:NAME"), the lifecycle times and the MFA state
 * kept by mfa.h. Kept GUEST_KEEP after the last change. Records of earlier
 * versions (JSON, and the first 8-byte form: last sign-in only) read as
 * before and are written back in the binary format.
 * Security: the record holds no usable secret: the TOTP secret is
 * encrypted (mfa.h) and recovery codes are keyed hashes.
 * Ownership: guest_load() and guest_new() return a guest the caller frees
 * with guest_free().
 * Failure: store errors come back as store_status; a record that does not
 * decode reads as absent.
 */
#ifndef OTPD_GUEST_H
#define OTPD_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "caps.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define GUEST_KEEP (400ull * 24 * 3600)
#define GUEST_MAX_INVITATIONS RECORD_GUEST_INVITATIONS	/* the oldest are dropped past this */

/* guest_load - the record of addr, or NULL (absent, not decodable, out of memory) */
struct guest *guest_load(struct store_txn *txn, const char *addr, uint64_t now) __attribute__((warn_unused_result, nonnull));

/* guest_new - an empty guest, or NULL (out of memory) */
struct guest *guest_new(void) __attribute__((warn_unused_result));

/* guest_free - free g; returns NULL */
struct guest *guest_free(struct guest *g);

/* guest_exists - has addr a record (that decodes)? */
bool guest_exists(struct store_txn *txn, const char *addr, uint64_t now) __attribute__((warn_unused_result, nonnull));

/* guest_save - write rec back (expiry now + GUEST_KEEP) */
enum store_status guest_save(struct store_txn *txn, const char *addr, const struct guest *rec, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* guest_note_redeemed - in rec: addr redeemed invitation t (the same one again only moves to the end, the
 * latest); *first: rec had not redeemed t before. An invitation issued at or after the guest was disabled
 * enables the guest again with t alone: the invitations held when disabled leave rec (their links stay
 * closed, invite_close). false: out of memory (rec unchanged). */
bool guest_note_redeemed(struct guest *rec, const struct token *t, uint64_t now, bool *first)
	__attribute__((warn_unused_result, nonnull));

/* guest_redeemed - note that addr redeemed invitation t (record made if new); *first: this guest had not
 * redeemed t before. An invitation issued at or after the guest was disabled enables the guest again, as
 * guest_note_redeemed says. */
enum store_status guest_redeemed(struct store_txn *txn, const char *addr, const struct token *t, uint64_t now,
				 bool *first) __attribute__((warn_unused_result, nonnull));

/* guest_disabled_at - when the sweeper disabled the guest (lifecycle.h); 0: enabled */
uint64_t guest_disabled_at(const struct guest *rec) __attribute__((nonnull));

/* guest_may_sign_in - enabled, or t (NULL at /login and MFA) was issued after the guest was disabled */
bool guest_may_sign_in(const struct guest *rec, const struct token *t) __attribute__((nonnull(1)));

/* guest_last_active - the later of the last full sign-in and the latest redemption (0: none) */
uint64_t guest_last_active(const struct guest *rec) __attribute__((nonnull));

/* guest_sign_in_word - how the guest signed in last: "code" (also: not recorded) or "oidc:NAME" */
const char *guest_sign_in_word(const struct guest *rec) __attribute__((nonnull));

/* guest_state_word - "active" or "disabled" (otpctl guests) */
const char *guest_state_word(const struct guest *rec) __attribute__((nonnull));

/* guest_signed_in - set last_sign_in in rec */
void guest_signed_in(struct guest *rec, uint64_t now) __attribute__((nonnull));

/* guest_set_sign_in - how the guest signed in last: "code" or "oidc:NAME"; provider_mfa: that provider
 * asserted multi-factor sign-in (then otpd asked for no TOTP) */
void guest_set_sign_in(struct guest *rec, const char *method, bool provider_mfa) __attribute__((nonnull));

/* guest_resource - the resource of a redeemed, unrevoked invitation that covers url (url NULL: the latest
 * such invitation); false if none */
bool guest_resource(struct store_txn *txn, const struct guest *rec, const char *url, uint64_t now,
		    char out[CAP_URL_BYTES + 1]) __attribute__((warn_unused_result, nonnull(1, 2, 5)));

/* guest_may_use - /auth: may addr's full session (provider_mfa: its provider did the MFA, else the guest must
 * be enrolled) use url, under a redeemed, unrevoked invitation? Reads the stored record in place: no copy,
 * no allocation, no JSON (a record still in an older format goes through the full decoder). */
bool guest_may_use(struct store_txn *txn, const char *addr, bool provider_mfa, const char *url, uint64_t now)
	__attribute__((warn_unused_result, nonnull));

/* guest_list - one JSON object a line: email, sign_in, mfa, state, last_sign_in, invitations (otpctl guests) */
enum store_status guest_list(struct store_txn *txn, uint64_t now, FILE *out) __attribute__((nonnull));

#endif
