/*
 * codes.h - the 8-digit one-time codes: issue, check, burn.
 *
 * A code is per invitation and address. Only keyed hashes are stored (with
 * the count of wrong tries); a new code replaces the old one; a right code
 * is deleted at once (single use). Each code comes with a mail key: 256
 * random bits, sent in the same mail as a link. code_tries wrong tries kill
 * the digits but not the key: tries by someone who does not have the mail
 * cannot take the guest's way in away (docs/security.md, "the code step").
 * Security: digits from randombytes_uniform (no modulo bias); the hash
 * compares are constant time; a key is never counted as a guess (2^-256).
 * Failure: store errors come back as CODE_STORE_ERROR; the caller aborts.
 */
#ifndef OTPD_CODES_H
#define OTPD_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "secrets.h"
#include "store.h"
#include "token.h"

#define CODE_DIGITS 8
#define CODE_BUF (CODE_DIGITS + 1)
#define CODE_KEY_LEN 43		/* base64url of 32 bytes, no padding */
#define CODE_KEY_BUF (CODE_KEY_LEN + 1)

enum code_result {
	CODE_OK,		/* right: the code is now spent */
	CODE_WRONG,		/* wrong digits, evaluated: one try used */
	CODE_BURNED,		/* wrong digits, evaluated, and that was the last try: the digits are dead (the key lives) */
	CODE_ABSENT,		/* nothing evaluated: no live code (never sent, expired, spent), dead or unwanted
				 * digits, or a wrong key */
	CODE_STORE_ERROR,
};

/* A code made before its write transaction (codes_make), stored in it (codes_put): the random draws and
 * hashes are done outside the one LMDB writer. */
struct code_made {
	uint8_t key[TOKEN_ID_LEN + ADDR_BUF];
	size_t klen;
	uint8_t rec[32 + 1 + 8 + 32];
};

/* codes_make - a new code for (inv, addr): the digits to out, the mail key to key, the record to m */
void codes_make(const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN], const char *addr, uint64_t now,
		char out[CODE_BUF], char key[CODE_KEY_BUF], struct code_made *m) __attribute__((nonnull));

/* codes_put - store a made code (replacing any old one), alive for ttl from now */
enum store_status codes_put(struct store_txn *txn, const struct code_made *m, uint64_t now, uint64_t ttl)
	__attribute__((warn_unused_result, nonnull));

/* codes_issue - make and store a new code (replacing any old one); the digits go to out, the mail key to key */
enum store_status codes_issue(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			      const char *addr, uint64_t now, uint64_t ttl, char out[CODE_BUF], char key[CODE_KEY_BUF])
	__attribute__((warn_unused_result, nonnull));

/* codes_check - compare typed digits (codes_well_formed) or a mail key (codes_key_well_formed). Digits are
 * compared only when digits_ok (the caller's guess budget) and fewer than max_tries were wrong; a wrong
 * compare counts a try. A key is always compared and never counts. */
enum code_result codes_check(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr, const char *code, uint64_t now, unsigned max_tries, bool digits_ok)
	__attribute__((warn_unused_result, nonnull));

/* codes_key_well_formed - exactly CODE_KEY_LEN base64url characters */
bool codes_key_well_formed(const char *in) __attribute__((nonnull));

/* codes_well_formed - exactly CODE_DIGITS ASCII digits (spaces and dashes removed into out) */
bool codes_well_formed(const char *in, char out[CODE_BUF]) __attribute__((nonnull));

#endif
