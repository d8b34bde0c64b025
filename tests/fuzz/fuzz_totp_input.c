/* fuzz_totp_input - what a guest types at /mfa/setup and /mfa/verify (otpd/totp.c, otpd/mfa.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mfa.h"
#include "totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[TOTP_SECRET_LEN] = "12345678901234567890";
	char *in = malloc(size + 1), code[TOTP_BUF], rc[MFA_RECOVERY_CHARS + 1];
	uint64_t step = 0, now = 0;

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (totp_well_formed(in, code)) {
		if (strlen(code) != TOTP_DIGITS || strspn(code, "0123456789") != TOTP_DIGITS)
			abort();
		for (size_t i = 0; i < 8 && i < size; i++)
			now = (now << 8) | data[i];
		if (totp_verify(key, code, now >> 1, 0, &step) == TOTP_ERROR)
			abort();
	}
	if (mfa_recovery_well_formed(in, rc) && strlen(rc) != MFA_RECOVERY_CHARS)
		abort();
	free(in);
	return 0;
}
