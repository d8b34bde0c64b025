/*
 * keys.h - the key files of guestlink: one place that reads, checks and makes them.
 *
 *   signing key  32-byte Ed25519 seed, raw; the milter only.
 *   verify keys  a directory of <kid>.pub files, 32-byte Ed25519 public keys, raw;
 *                kid = hex of the first 8 bytes of BLAKE2b-256(public key).
 *   secret       32 random bytes, raw; otpd's keyed hashes and cookies.
 *
 * Security: a secret file that group or other may read (or that is not a
 * regular file we can open without following a link) is refused, as ssh
 * refuses private keys. Secrets live in sodium_malloc() memory and are wiped
 * on free. Public keys are checked against their file name.
 *
 * Ownership: structs are caller-owned; *_free() wipe and release.
 */
#ifndef GUESTLINK_KEYS_H
#define GUESTLINK_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "caps.h"

#define KEYS_KID_LEN 8
#define KEYS_KID_HEX (KEYS_KID_LEN * 2 + 1)
#define KEYS_PK_LEN 32
#define KEYS_SECRET_LEN 32

#define KEYS_WUR __attribute__((warn_unused_result))

struct signing_key {
	uint8_t kid[KEYS_KID_LEN];
	uint8_t pk[KEYS_PK_LEN];
	uint8_t *sk;		/* 64 bytes, sodium_malloc'd */
};

struct keyring {
	size_t n;
	struct {
		uint8_t kid[KEYS_KID_LEN];
		uint8_t pk[KEYS_PK_LEN];
	} keys[CAP_KEY_FILES];
};

bool keys_load_signing(const char *path, struct signing_key *out, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull));
void keys_free_signing(struct signing_key *key) __attribute__((nonnull));

bool keys_load_verify(const char *dir, struct keyring *out, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull));
const uint8_t *keyring_find(const struct keyring *ring, const uint8_t kid[KEYS_KID_LEN]) __attribute__((nonnull));

/* keys_load_secret - 32 bytes in sodium_malloc'd memory; free with keys_free_secret() */
bool keys_load_secret(const char *path, uint8_t **out, char *err, size_t errsz) KEYS_WUR __attribute__((nonnull));
uint8_t *keys_free_secret(uint8_t *secret);

/* keys_generate - write DIR/link.key, DIR/<kid>.pub, DIR/otpd.secret (0600, never overwriting);
 * print the [keys] lines to paste on out */
bool keys_generate(const char *dir, FILE *out, char *err, size_t errsz) KEYS_WUR __attribute__((nonnull));

void keys_kid_hex(const uint8_t kid[KEYS_KID_LEN], char out[KEYS_KID_HEX]) __attribute__((nonnull));
void keys_kid_from_pk(const uint8_t pk[KEYS_PK_LEN], uint8_t kid[KEYS_KID_LEN]) __attribute__((nonnull));

#endif
