/*
 * keys.h - the key files of guestlink: one place that reads, checks and makes them.
 *
 *   signing key  32-byte Ed25519 seed, raw; the milter only.
 *   verify keys  a directory of <kid>.pub files, 32-byte Ed25519 public keys, raw;
 *                kid = hex of the first 8 bytes of BLAKE2b-256(public key).
 *   secret       32 random bytes, raw; otpd's keyed hashes and cookies.
 *   guest key    32 random bytes, raw; the milter and otpd (and otpctl inspect
 *                --email): keys the guest hashes in accept links, so holding a
 *                link does not let anyone test guessed addresses.
 *                gkid = first 4 bytes of BLAKE2b-256 keyed with it of
 *                "guestlink guest key id"; it names the key in a token.
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
#define KEYS_GUEST_KID_LEN 4
#define KEYS_GUEST_KEYS 2	/* the current guest key and the previous one */

#define KEYS_WUR __attribute__((warn_unused_result))

struct guest_key {
	uint8_t kid[KEYS_GUEST_KID_LEN];
	uint8_t *key;		/* KEYS_SECRET_LEN bytes, sodium_malloc'd, read-only; NULL: none */
};

/* signing_key - what the milter mints links with: the Ed25519 key and the guest key */
struct signing_key {
	uint8_t kid[KEYS_KID_LEN];
	uint8_t pk[KEYS_PK_LEN];
	uint8_t *sk;		/* 64 bytes, sodium_malloc'd */
	struct guest_key guest;	/* keys_load_guest(); empty after keys_load_signing() */
};

/* keyring - what otpd verifies links with: public keys and up to two guest keys */
struct keyring {
	size_t n;
	struct {
		uint8_t kid[KEYS_KID_LEN];
		uint8_t pk[KEYS_PK_LEN];
	} keys[CAP_KEY_FILES];
	size_t n_guest;
	struct guest_key guest[KEYS_GUEST_KEYS];
};

bool keys_load_signing(const char *path, struct signing_key *out, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull));
/* keys_free_signing - wipe and free the signing key and its guest key */
void keys_free_signing(struct signing_key *key) __attribute__((nonnull));

/* keys_load_guest - read a guest key file (32 bytes, 0600) into sodium_malloc'd memory */
bool keys_load_guest(const char *path, struct guest_key *out, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull));
void keys_free_guest(struct guest_key *gk) __attribute__((nonnull));

/* keyring_add_guest - load one more guest key into the ring (the current one, then the previous) */
bool keyring_add_guest(struct keyring *ring, const char *path, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull));
/* keyring_load_guests - after keys_load_verify: the current guest key, then previous (NULL: none) */
bool keyring_load_guests(struct keyring *ring, const char *current, const char *previous, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull(1, 2, 4)));
/* keyring_find_guest - the guest key with that gkid, or NULL */
const struct guest_key *keyring_find_guest(const struct keyring *ring, const uint8_t kid[KEYS_GUEST_KID_LEN])
	__attribute__((nonnull));
/* keyring_free - wipe and free the ring's guest keys (the public keys need nothing) */
void keyring_free(struct keyring *ring) __attribute__((nonnull));

bool keys_load_verify(const char *dir, struct keyring *out, char *err, size_t errsz)
	KEYS_WUR __attribute__((nonnull));
const uint8_t *keyring_find(const struct keyring *ring, const uint8_t kid[KEYS_KID_LEN]) __attribute__((nonnull));

/*
 * keys_load_line - a secret of one text line (a client secret, a database
 * password) of at most cap bytes, trailing CR/LF dropped, with every check a
 * key file has to pass (no symlink, regular file, not readable by group or others,
 * in a directory they cannot write); what names it in the error. NUL-terminated
 * in sodium_malloc'd memory: free with sodium_free().
 */
bool keys_load_line(const char *path, size_t cap, const char *what, char **out, char *err, size_t errsz) KEYS_WUR
	__attribute__((nonnull));

/* keys_load_secret - 32 bytes in sodium_malloc'd memory; free with keys_free_secret() */
bool keys_load_secret(const char *path, uint8_t **out, char *err, size_t errsz) KEYS_WUR __attribute__((nonnull));
uint8_t *keys_free_secret(uint8_t *secret);

/* keys_generate - write DIR/link.key, DIR/<kid>.pub, DIR/otpd.secret, DIR/guest.key (0600, never
 * overwriting, all or none); refuse a DIR that is a link or that group or others may write;
 * print the [keys] lines to paste on out */
bool keys_generate(const char *dir, FILE *out, char *err, size_t errsz) KEYS_WUR __attribute__((nonnull));

void keys_kid_hex(const uint8_t kid[KEYS_KID_LEN], char out[KEYS_KID_HEX]) __attribute__((nonnull));
void keys_kid_from_pk(const uint8_t pk[KEYS_PK_LEN], uint8_t kid[KEYS_KID_LEN]) __attribute__((nonnull));
void keys_guest_kid(const uint8_t key[KEYS_SECRET_LEN], uint8_t kid[KEYS_GUEST_KID_LEN]) __attribute__((nonnull));

#endif
