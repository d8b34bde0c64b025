/*
 * fuzz_config - libFuzzer target for the INI config parser: any text, read by
 * the milter's table and by otpd's, gives either a config or an error naming
 * the file, and never a crash or a leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "milter_config.h"
#include "otpd_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct milter_config m;
	struct otpd_config o;
	char err[512];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (milter_config_load_string("fuzz.conf", text, &m, err, sizeof(err)))
		(void)milter_config_require(&m, err, sizeof(err));
	else if (strncmp(err, "fuzz.conf", 9) != 0)
		abort();	/* every error names the file */
	milter_config_free(&m);
	if (otpd_config_load_string("fuzz.conf", text, &o, err, sizeof(err)))
		(void)otpd_config_require(&o, CONFIG_NEED_OTPD, err, sizeof(err));
	else if (strncmp(err, "fuzz.conf", 9) != 0)
		abort();
	otpd_config_free(&o);
	free(text);
	return 0;
}
