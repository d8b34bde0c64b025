/*
 * token.h - the self-contained, signed accept-link token.
 *
 * Binary layout (all integers big-endian), then base64url without padding:
 *   version    1   TOKEN_VERSION (2)
 *   kid        8   key id of the signing key
 *   gkid       4   key id of the guest key (keys.h)          (version 2 only)
 *   id        16   invitation id, random
 *   issued_at  8   seconds since the epoch
 *   ttl        4   seconds after issued_at the link expires
 *   n_guests   1   1..255
 *   guests    16n  guest hashes, one per normalized address:
 *                  v2: BLAKE2b-128(key = BLAKE2b-256(key = guest key,
 *                      "guestlink guest hash v2" || id), address)
 *                  v1: BLAKE2b-128(key = id, address)
 *   inviter    1+  length, then the inviter's address
 *   resource   2+  length, then the resource URL
 *   signature 64   Ed25519 over everything before it
 * Security: the resource URL is signed, so otpd redirects only there. The
 * guest hashes of version 2 are keyed with the guest key that only the
 * milter and otpd hold, so holding a link does not let anyone test a guessed
 * address (Bcc recipients included). Version 1 links (before the guest key)
 * still verify until they expire; their guests stay testable from the link.
 * token_has_guest() is the one check of an address against a token.
 *
 * Ownership: struct token is plain data, caller-owned. token_encode appends
 * to a caller's buffer.
 */
#ifndef GUESTLINK_TOKEN_H
#define GUESTLINK_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "caps.h"
#include "keys.h"

#define TOKEN_VERSION 2
#define TOKEN_VERSION_V1 1	/* accepted until such links expire; never minted */
#define TOKEN_ID_LEN 16
#define TOKEN_GUEST_LEN 16
#define TOKEN_SIG_LEN 64

struct token {
	uint8_t version;
	uint8_t kid[KEYS_KID_LEN];
	uint8_t guest_kid[KEYS_GUEST_KID_LEN];	/* v2 */
	const struct guest_key *gk;	/* v2: the matching guest key (not owned), NULL if not held */
	uint8_t id[TOKEN_ID_LEN];
	uint64_t issued_at;
	uint64_t expires_at;
	char inviter[ADDR_BUF];
	char resource[CAP_URL_BYTES + 1];
	size_t n_guests;
	uint8_t guests[CAP_GUESTS][TOKEN_GUEST_LEN];
};

enum token_status {
	TOKEN_OK,
	TOKEN_MALFORMED,	/* not base64url, wrong version, lengths off, truncated */
	TOKEN_UNKNOWN_KEY,	/* no public key with that kid */
	TOKEN_BAD_SIGNATURE,
	TOKEN_EXPIRED,
};

#define TOKEN_WUR __attribute__((warn_unused_result))

/* token_init - a fresh version 2 token: random id, times, inviter and resource; no guests yet.
 * gk (kept by pointer, must outlive t) keys the guest hashes; false if it holds no key. */
bool token_init(struct token *t, const struct guest_key *gk, const char *inviter, const char *resource,
		uint64_t now, uint64_t ttl) TOKEN_WUR __attribute__((nonnull));

/* token_add_guest - add a normalized address; false when full, a duplicate or no guest key */
bool token_add_guest(struct token *t, const char *addr) __attribute__((nonnull));

/* token_has_guest - is the (normalized) address one of the invited? The one check every path
 * (email step, code step, provider sign-in, otpctl) uses. False for a v2 token whose guest key
 * is not held (token_guest_key_held). Constant time per entry. */
bool token_has_guest(const struct token *t, const char *addr) TOKEN_WUR __attribute__((nonnull));

/* token_guest_key_held - can token_has_guest answer for t? (v1: always; v2: its guest key is loaded) */
bool token_guest_key_held(const struct token *t) __attribute__((nonnull));

/* token_encode - sign and append the base64url text to out */
bool token_encode(const struct token *t, const struct signing_key *key, struct buf *out)
	TOKEN_WUR __attribute__((nonnull));

/* token_decode - parse without checking the signature (for inspection and fuzzing) */
enum token_status token_decode(const char *text, size_t len, struct token *out) TOKEN_WUR __attribute__((nonnull));

/* token_verify - parse, find the key, check the signature, then expiry against now; links the
 * token to the ring's guest key of its gkid (out->gk), so the ring must outlive out */
enum token_status token_verify(const char *text, size_t len, const struct keyring *ring, uint64_t now,
			       struct token *out) TOKEN_WUR __attribute__((nonnull));

/* token_status_word - "malformed", "unknown_key", "bad_signature", "expired" (for JSON and logs) */
const char *token_status_word(enum token_status st);

/* token_id_hex - the invitation id as 32 hex characters */
void token_id_hex(const struct token *t, char out[2 * TOKEN_ID_LEN + 1]) __attribute__((nonnull));

/* token_from_link - find the token in "…/accept/<token>[/…]" or a bare token; sets *len */
const char *token_from_link(const char *link, size_t *len) __attribute__((nonnull));

#endif
