/*
 * mktoken - print a signed accept-link token, so otpd tests need no milter.
 *
 *   mktoken SIGNING_KEY INVITER RESOURCE AGE TTL GUEST...
 *
 * AGE: seconds ago the token was issued (0: now); TTL: seconds it lives.
 * The guest key is guest.key beside SIGNING_KEY (as otpctl keygen makes
 * them), or the file $MKTOKEN_GUEST_KEY names.
 *   mktoken --sign SIGNING_KEY FILE
 *
 * prints the X-Guestlink-Signature value (kid:base64url signature) of FILE's bytes.
 * Test tool only: it holds the signing key the milter would hold.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "keys.h"
#include "token.h"

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0') {
		fprintf(stderr, "mktoken: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static int sign_file(const char *keyfile, const char *path)
{
	struct signing_key key;
	char err[256], kid[KEYS_KID_HEX], b64[128];
	unsigned char body[65536 + 1], sig[crypto_sign_BYTES];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL || !keys_load_signing(keyfile, &key, err, sizeof(err)))
		return 2;
	n = fread(body, 1, sizeof(body), f);
	fclose(f);
	crypto_sign_detached(sig, NULL, body, n, key.sk);
	keys_kid_hex(key.kid, kid);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	printf("%s:%s\n", kid, b64);
	keys_free_signing(&key);
	return 0;
}

int main(int argc, char **argv)
{
	struct signing_key key;
	struct token *t;
	struct buf out;
	char err[256], norm[ADDR_BUF], gpath[4096];
	const char *env = getenv("MKTOKEN_GUEST_KEY"), *slash;

	if (sodium_init() >= 0 && argc == 4 && strcmp(argv[1], "--sign") == 0)
		return sign_file(argv[2], argv[3]);
	t = argc >= 7 ? calloc(1, sizeof(*t)) : NULL;
	if (t == NULL) {
		fputs("usage: mktoken SIGNING_KEY INVITER RESOURCE AGE TTL GUEST...\n", stderr);
		return 2;
	}
	if (sodium_init() < 0 || !keys_load_signing(argv[1], &key, err, sizeof(err))) {
		fprintf(stderr, "mktoken: %s\n", err);
		return 2;
	}
	if (env != NULL && env[0] != '\0') {
		snprintf(gpath, sizeof(gpath), "%s", env);
	} else {
		slash = strrchr(argv[1], '/');
		snprintf(gpath, sizeof(gpath), "%.*sguest.key", slash ? (int)(slash - argv[1] + 1) : 0, argv[1]);
	}
	if (!keys_load_guest(gpath, &key.guest, err, sizeof(err))) {
		fprintf(stderr, "mktoken: %s\n", err);
		return 2;
	}
	if (!token_init(t, &key.guest, argv[2], argv[3], (uint64_t)time(NULL) - num(argv[4]), num(argv[5]))) {
		fputs("mktoken: token_init failed\n", stderr);
		return 2;
	}
	for (int i = 6; i < argc; i++) {
		if (!addr_normalize(argv[i], strlen(argv[i]), norm) || !token_add_guest(t, norm)) {
			fprintf(stderr, "mktoken: bad guest %s\n", argv[i]);
			return 2;
		}
	}
	buf_init(&out, CAP_TOKEN_BYTES);
	if (!token_encode(t, &key, &out)) {
		fputs("mktoken: token_encode failed\n", stderr);
		return 2;
	}
	puts(out.data);
	buf_release(&out);
	keys_free_signing(&key);
	free(t);
	return 0;
}
