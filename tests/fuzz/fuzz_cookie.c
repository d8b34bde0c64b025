/* fuzz_cookie - the Cookie header parser (otpd/form.c), plain and __Host- names. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *header = malloc(size + 1), out[64];

	if (header == NULL)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	if (cookie_get(header, "guestlink_csrf", out, sizeof(out)) && strlen(out) >= sizeof(out))
		abort();
	(void)cookie_get(header, "guestlink_session", out, sizeof(out));
	/* the cookie_secure names, and a name sent twice (refused whichever comes first) */
	if (cookie_get(header, "__Host-guestlink_csrf", out, sizeof(out)) && strlen(out) >= sizeof(out))
		abort();
	free(header);
	return 0;
}
