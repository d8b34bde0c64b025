/* fuzz_api_body - the JSON API request body parser (otpd/form.c) and Accept-Language (otpd/lang.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct api_body b;
	char *text = malloc(size + 1);

	if (api_body_parse((const char *)data, size, &b) && b.has_email && strlen(b.email) >= sizeof(b.email))
		abort();
	if (text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		(void)lang_from_header(text);
		free(text);
	}
	return 0;
}
