/*
 * fuzz_config - libFuzzer target for the INI config parser: any text gives
 * either a config or an error naming a line, and never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_load_string("fuzz.conf", text, &cfg, err, sizeof(err)))
		(void)config_require(&cfg, CONFIG_NEED_MILTER | CONFIG_NEED_OTPD, err, sizeof(err));
	else if (strncmp(err, "fuzz.conf", 9) != 0)
		abort();	/* every error names the file */
	config_free(&cfg);
	free(text);
	return 0;
}
