/*
 * totp.h - RFC 6238 time-based one-time passwords (HMAC-SHA1, RFC 4226
 * truncation), base32 (RFC 4648) for the secret, and parsing what a guest
 * types.
 *
 * Pure functions, no storage: the caller keeps the secret and the last
 * step used (mfa.h). HMAC-SHA1 is OpenSSL's libcrypto; nothing here
 * computes SHA-1 by hand.
 * Security: totp_verify() compares every candidate in constant time and
 * refuses a step at or before the last one used, so a code works once.
 * Failure: totp_hotp() returns false only if libcrypto fails.
 */
#ifndef OTPD_TOTP_H
#define OTPD_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_LEN 20	/* 160 bits, as RFC 4226 recommends */
#define TOTP_DIGITS 6
#define TOTP_PERIOD 30
#define TOTP_WINDOW 1		/* steps accepted either side of now */
#define TOTP_BUF (TOTP_DIGITS + 1)
#define TOTP_B32_BUF 33		/* base32 of 20 bytes (32) + NUL */

enum totp_result {
	TOTP_OK,		/* right, and its step is newer than the last used */
	TOTP_WRONG,
	TOTP_REPLAYED,		/* right for a step already used (or older) */
	TOTP_ERROR,		/* libcrypto failed */
};

/* totp_hotp - RFC 4226 HOTP value of counter, digits (6..8) long, into out (digits+1) */
bool totp_hotp(const uint8_t *key, size_t klen, uint64_t counter, unsigned digits, char *out)
	__attribute__((warn_unused_result, nonnull));

/* totp_step - the RFC 6238 time step of unix time t */
uint64_t totp_step(uint64_t t);

/* totp_verify - check a well-formed 6-digit code at time now; on TOTP_OK *step is the step it matched */
enum totp_result totp_verify(const uint8_t key[TOTP_SECRET_LEN], const char code[TOTP_BUF], uint64_t now,
			     uint64_t last_step, uint64_t *step) __attribute__((warn_unused_result, nonnull));

/* totp_well_formed - exactly 6 ASCII digits once spaces are removed, into out */
bool totp_well_formed(const char *in, char out[TOTP_BUF]) __attribute__((warn_unused_result, nonnull));

/* totp_base32 - RFC 4648 base32 (upper case, no padding) of len bytes; false if out is too small */
bool totp_base32(const uint8_t *p, size_t len, char *out, size_t outsz) __attribute__((warn_unused_result, nonnull));

#endif
