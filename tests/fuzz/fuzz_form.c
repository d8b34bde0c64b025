/* fuzz_form - the urlencoded form parser (otpd/form.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct form f;

	if (form_parse((const char *)data, size, &f)) {
		for (size_t i = 0; i < f.n; i++)
			if (form_get(&f, f.f[i].name) == NULL)
				abort();
	}
	return 0;
}
