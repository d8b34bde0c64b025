/*
 * secrets.c - subkeys from the master secret (see secrets.h).
 */
#include "secrets.h"

#include <sodium.h>

struct secrets *secrets_derive(const uint8_t *master)
{
	struct secrets *s = sodium_malloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	crypto_kdf_derive_from_key(s->code, sizeof(s->code), 1, "gl_otpd_", master);
	crypto_kdf_derive_from_key(s->session, sizeof(s->session), 2, "gl_otpd_", master);
	crypto_kdf_derive_from_key(s->csrf, sizeof(s->csrf), 3, "gl_otpd_", master);
	crypto_kdf_derive_from_key(s->outbox, sizeof(s->outbox), 4, "gl_otpd_", master);
	crypto_kdf_derive_from_key(s->limit, sizeof(s->limit), 5, "gl_otpd_", master);
	crypto_kdf_derive_from_key(s->totp, sizeof(s->totp), 6, "gl_otpd_", master);
	crypto_kdf_derive_from_key(s->recovery, sizeof(s->recovery), 7, "gl_otpd_", master);
	return s;
}

struct secrets *secrets_free(struct secrets *s)
{
	if (s != NULL)
		sodium_free(s);
	return NULL;
}
