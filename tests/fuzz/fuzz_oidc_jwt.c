/*
 * fuzz_oidc_jwt - the parsers of otpd/oidc.c that read what a provider (or
 * anyone who can put a token in front of us) sends: the JWKS, the compact
 * JWS with its header and claims, and the pending record from LMDB.
 * The first byte picks the parser; the rest is the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oidc.h"

/* A fixed JWKS with one RSA and one EC key, so verification paths run too. */
static const char jwks[] =
	"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"e\":\"AQAB\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4"
	"cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-6"
	"5YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd"
	"2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"},"
	"{\"kty\":\"EC\",\"kid\":\"e1\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oidc_keys *fixed;
	char *text;

	if (size < 1)
		return 0;
	if (fixed == NULL)
		fixed = oidc_keys_parse(jwks, sizeof(jwks) - 1);
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: {
		struct oidc_keys *k = oidc_keys_parse(text, size - 1);

		oidc_keys_free(k);
		break;
	}
	case 1: {
		struct strlist amr = { 1, (char *[]){ "mfa" } };
		struct oidc_expect want = { "https://idp.example", "otpd", "n", &amr, &amr, 1800000000 };
		struct oidc_identity id;
		bool unknown;

		if (fixed != NULL)
			(void)oidc_jwt_verify(fixed, &want, text, strlen(text), &id, &unknown);
		break;
	}
	default: {
		struct oidc_pending p;
		struct buf b;

		if (oidc_pending_decode(data + 1, size - 1, &p)) {
			buf_init(&b, CAP_OIDC_PENDING_BYTES);
			if (!oidc_pending_encode(&p, &b) || b.len != size - 1 || memcmp(b.data, data + 1, b.len) != 0)
				abort();	/* decode then encode must give the same bytes */
			buf_release(&b);
		}
		oidc_pending_clear(&p);
	}
	}
	free(text);
	return 0;
}
