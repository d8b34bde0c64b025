/*
 * token.h - the self-contained, signed accept-link token.
 *
 * Binary layout (all integers big-endian), then base64url without padding:
 *   version    1   TOKEN_VERSION
 *   kid        8   key id of the signing key
 *   id        16   invitation id, random; also the salt of the guest hashes
 *   issued_at  8   seconds since the epoch
 *   ttl        4   seconds after issued_at the link expires
 *   n_guests   1   1..255
 *   guests    16n  BLAKE2b-128 keyed with id, of each normalized address
 *   inviter    1+  length, then the inviter's address
 *   resource   2+  length, then the resource URL
 *   signature 64   Ed25519 over everything before it
 * Security: the resource URL is signed, so otpd redirects only there; the
 * guests are salted hashes, so Bcc recipients are not revealed.
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

#define TOKEN_VERSION 1
#define TOKEN_ID_LEN 16
#define TOKEN_GUEST_LEN 16
#define TOKEN_SIG_LEN 64

struct token {
	uint8_t version;
	uint8_t kid[KEYS_KID_LEN];
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

/* token_init - a fresh token: random id, times, inviter and resource; no guests yet */
bool token_init(struct token *t, const char *inviter, const char *resource, uint64_t now, uint64_t ttl)
	TOKEN_WUR __attribute__((nonnull));

/* token_add_guest - add a normalized address; false when full or a duplicate */
bool token_add_guest(struct token *t, const char *addr) __attribute__((nonnull));

/* token_has_guest - is the (normalized) address one of the invited? constant time per entry */
bool token_has_guest(const struct token *t, const char *addr) TOKEN_WUR __attribute__((nonnull));

/* token_encode - sign and append the base64url text to out */
bool token_encode(const struct token *t, const struct signing_key *key, struct buf *out)
	TOKEN_WUR __attribute__((nonnull));

/* token_decode - parse without checking the signature (for inspection and fuzzing) */
enum token_status token_decode(const char *text, size_t len, struct token *out) TOKEN_WUR __attribute__((nonnull));

/* token_verify - parse, find the key, check the signature, then expiry against now */
enum token_status token_verify(const char *text, size_t len, const struct keyring *ring, uint64_t now,
			       struct token *out) TOKEN_WUR __attribute__((nonnull));

/* token_status_word - "malformed", "unknown_key", "bad_signature", "expired" (for JSON and logs) */
const char *token_status_word(enum token_status st);

/* token_id_hex - the invitation id as 32 hex characters */
void token_id_hex(const struct token *t, char out[2 * TOKEN_ID_LEN + 1]) __attribute__((nonnull));

/* token_from_link - find the token in "…/accept/<token>[/…]" or a bare token; sets *len */
const char *token_from_link(const char *link, size_t *len) __attribute__((nonnull));

#endif
