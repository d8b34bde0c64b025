/*
 * secrets.h - otpd's working keys, derived from the one [keys] secret.
 *
 * Each use gets its own subkey (libsodium crypto_kdf), so a keyed hash of a
 * code can never be replayed as a cookie MAC and so on.
 * Security: all subkeys live in one sodium_malloc'd block (guard pages, not
 * swapped, wiped on free).
 * Ownership: secrets_derive() returns a block the caller frees with
 * secrets_free().
 */
#ifndef OTPD_SECRETS_H
#define OTPD_SECRETS_H

#include <stdint.h>

#define SECRETS_KEY_LEN 32

struct secrets {
	uint8_t code[SECRETS_KEY_LEN];		/* keyed hash of codes */
	uint8_t session[SECRETS_KEY_LEN];	/* keyed hash of session ids */
	uint8_t csrf[SECRETS_KEY_LEN];		/* CSRF tokens */
	uint8_t outbox[SECRETS_KEY_LEN];	/* encryption of queued mails (they hold codes) */
	uint8_t limit[SECRETS_KEY_LEN];		/* keyed hash of addresses in limit keys */
	uint8_t totp[SECRETS_KEY_LEN];		/* encryption of TOTP secrets at rest */
	uint8_t recovery[SECRETS_KEY_LEN];	/* keyed hash of recovery codes */
};

/* secrets_derive - subkeys from the 32-byte master secret; NULL if out of memory */
struct secrets *secrets_derive(const uint8_t *master) __attribute__((warn_unused_result, nonnull));
struct secrets *secrets_free(struct secrets *s);

#endif
