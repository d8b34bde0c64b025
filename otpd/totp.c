/*
 * totp.c - RFC 4226 / RFC 6238 with libcrypto's HMAC (see totp.h).
 */
#include "totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <string.h>

bool totp_hotp(const uint8_t *key, size_t klen, uint64_t counter, unsigned digits, char *out)
{
	static const uint32_t mod[] = { 1000000u, 10000000u, 100000000u };
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	uint32_t bin;
	unsigned off;

	if (digits < 6 || digits > 8 || klen > 64)
		return false;
	for (int i = 7; i >= 0; i--, counter >>= 8)
		msg[i] = (uint8_t)counter;
	if (HMAC(EVP_sha1(), key, (int)klen, msg, sizeof(msg), mac, &maclen) == NULL || maclen != 20)
		return false;
	/* RFC 4226 5.3: dynamic truncation. */
	off = mac[19] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	      mac[off + 3];
	bin %= mod[digits - 6];
	for (int i = (int)digits - 1; i >= 0; i--, bin /= 10)
		out[i] = (char)('0' + bin % 10);
	out[digits] = '\0';
	sodium_memzero(mac, sizeof(mac));
	return true;
}

uint64_t totp_step(uint64_t t)
{
	return t / TOTP_PERIOD;
}

enum totp_result totp_verify(const uint8_t key[TOTP_SECRET_LEN], const char code[TOTP_BUF], uint64_t now,
			     uint64_t last_step, uint64_t *step)
{
	uint64_t cur = totp_step(now);
	enum totp_result r = TOTP_WRONG;
	char want[TOTP_BUF];

	/* Every step of the window is computed and compared, whatever matched: no early exit. */
	for (uint64_t s = cur > TOTP_WINDOW ? cur - TOTP_WINDOW : 0; s <= cur + TOTP_WINDOW; s++) {
		if (!totp_hotp(key, TOTP_SECRET_LEN, s, TOTP_DIGITS, want)) {
			r = TOTP_ERROR;
			break;
		}
		if (sodium_memcmp(want, code, TOTP_DIGITS) != 0)
			continue;
		/* Security: a step at or before the last one used is a replay, even inside the window. */
		if (s <= last_step) {
			if (r == TOTP_WRONG)
				r = TOTP_REPLAYED;
		} else if (r != TOTP_OK) {
			r = TOTP_OK;
			*step = s;
		}
	}
	sodium_memzero(want, sizeof(want));
	return r;
}

bool totp_well_formed(const char *in, char out[TOTP_BUF])
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ' ' || *in == '\t' || *in == '-')
			continue;
		if (*in < '0' || *in > '9' || n >= TOTP_DIGITS)
			return false;
		out[n++] = *in;
	}
	out[n] = '\0';
	return n == TOTP_DIGITS;
}

bool totp_base32(const uint8_t *p, size_t len, char *out, size_t outsz)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t need = (len * 8 + 4) / 5, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (need + 1 > outsz)
		return false;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return true;
}
