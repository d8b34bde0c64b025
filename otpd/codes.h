/*
 * codes.h - the 8-digit one-time codes: issue, check, burn.
 *
 * A code is per invitation and address. Only a keyed hash is stored (with
 * the count of wrong tries); a new code replaces the old one; a right code
 * is deleted at once (single use); code_tries wrong tries delete it too.
 * Security: digits from randombytes_uniform (no modulo bias); the hash
 * compare is constant time.
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

enum code_result {
	CODE_OK,		/* right: the code is now spent */
	CODE_WRONG,		/* wrong: one try used */
	CODE_BURNED,		/* wrong, and that was the last try: the code is gone */
	CODE_ABSENT,		/* no live code (never sent, expired, spent, burned) */
	CODE_STORE_ERROR,
};

/* codes_issue - make and store a new code (replacing any old one); the digits go to out */
enum store_status codes_issue(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			      const char *addr, uint64_t now, uint64_t ttl, char out[CODE_BUF])
	__attribute__((warn_unused_result, nonnull));

/* codes_check - compare a typed code; counts a wrong try */
enum code_result codes_check(struct store_txn *txn, const struct secrets *keys, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr, const char *code, uint64_t now, unsigned max_tries)
	__attribute__((warn_unused_result, nonnull));

/* codes_well_formed - exactly CODE_DIGITS ASCII digits (spaces and dashes removed into out) */
bool codes_well_formed(const char *in, char out[CODE_BUF]) __attribute__((nonnull));

#endif
