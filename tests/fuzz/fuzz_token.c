/*
 * fuzz_token - libFuzzer target for the accept-link token decoder and
 * token_from_link: arbitrary text must never crash, read out of bounds, or
 * verify.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keyring ring;	/* one random key: nothing the fuzzer sends can verify */
	static int ready;
	struct token t;
	char *text;
	size_t len;
	const char *p;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ring.n = 1;
		randombytes_buf(ring.keys[0].pk, sizeof(ring.keys[0].pk));
		ready = 1;
	}
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)token_decode(text, size, &t);
	p = token_from_link(text, &len);
	if (token_verify(p, len, &ring, 0, &t) == TOKEN_OK)
		abort();
	free(text);
	return 0;
}
