/*
 * keys.c - read, check and generate key files (see keys.h).
 *
 * Failure: every function returns false with a sentence naming the file and
 * what is wrong with it ("mode 0644: group or others can read it; chmod 600").
 */
#include "keys.h"

#include "errmsg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void keys_kid_from_pk(const uint8_t pk[KEYS_PK_LEN], uint8_t kid[KEYS_KID_LEN])
{
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), pk, KEYS_PK_LEN, NULL, 0);
	memcpy(kid, h, KEYS_KID_LEN);
}

void keys_kid_hex(const uint8_t kid[KEYS_KID_LEN], char out[KEYS_KID_HEX])
{
	sodium_bin2hex(out, KEYS_KID_HEX, kid, KEYS_KID_LEN);
}

/* read_exact - read a file of exactly len bytes into buf; secret files must be private */
static bool read_exact(const char *path, uint8_t *buf, size_t len, bool secret, char *err, size_t errsz)
{
	struct stat st;
	ssize_t n;
	uint8_t extra;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errmsg_set(err, errsz, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errmsg_set(err, errsz, "%s: not a regular file", path);
	}
	/* Security: as ssh does, refuse a secret others could have read. */
	if (secret && (st.st_mode & 077) != 0) {
		close(fd);
		return errmsg_set(err, errsz, "%s: mode %04o lets group or others read it; run chmod 600 %s",
			    path, (unsigned)(st.st_mode & 07777), path);
	}
	n = read(fd, buf, len);
	if (n != (ssize_t)len || read(fd, &extra, 1) != 0) {
		close(fd);
		return errmsg_set(err, errsz, "%s: must hold exactly %zu bytes (made by otpctl keygen)", path, len);
	}
	close(fd);
	return true;
}

bool keys_load_signing(const char *path, struct signing_key *out, char *err, size_t errsz)
{
	uint8_t *seed;

	memset(out, 0, sizeof(*out));
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	out->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (seed == NULL || out->sk == NULL) {
		sodium_free(seed);
		keys_free_signing(out);
		return errmsg_set(err, errsz, "%s: out of memory", path);
	}
	if (!read_exact(path, seed, crypto_sign_SEEDBYTES, true, err, errsz)) {
		sodium_free(seed);
		keys_free_signing(out);
		return false;
	}
	crypto_sign_seed_keypair(out->pk, out->sk, seed);
	sodium_free(seed);	/* wipes */
	keys_kid_from_pk(out->pk, out->kid);
	sodium_mprotect_readonly(out->sk);
	return true;
}

void keys_free_signing(struct signing_key *key)
{
	sodium_free(key->sk);	/* wipes; NULL is fine */
	key->sk = NULL;
}

/* pub_name_kid - is name "<16 hex>.pub"? then its kid */
static bool pub_name_kid(const char *name, uint8_t kid[KEYS_KID_LEN])
{
	size_t len = strlen(name);

	if (len != 2 * KEYS_KID_LEN + 4 || strcmp(name + 2 * KEYS_KID_LEN, ".pub") != 0)
		return false;
	return sodium_hex2bin(kid, KEYS_KID_LEN, name, 2 * KEYS_KID_LEN, NULL, NULL, NULL) == 0;
}

bool keys_load_verify(const char *dir, struct keyring *out, char *err, size_t errsz)
{
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(dir);

	memset(out, 0, sizeof(*out));
	if (d == NULL)
		return errmsg_set(err, errsz, "%s: cannot open key directory: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		uint8_t kid[KEYS_KID_LEN], want[KEYS_KID_LEN];

		if (!pub_name_kid(de->d_name, kid))
			continue;
		if (out->n >= CAP_KEY_FILES) {
			closedir(d);
			return errmsg_set(err, errsz, "%s: more than %u public keys", dir, CAP_KEY_FILES);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!read_exact(path, out->keys[out->n].pk, KEYS_PK_LEN, false, err, errsz)) {
			closedir(d);
			return false;
		}
		keys_kid_from_pk(out->keys[out->n].pk, want);
		if (memcmp(kid, want, KEYS_KID_LEN) != 0) {
			closedir(d);
			return errmsg_set(err, errsz, "%s: the key in it does not have the key id of its name", path);
		}
		memcpy(out->keys[out->n].kid, kid, KEYS_KID_LEN);
		out->n++;
	}
	closedir(d);
	if (out->n == 0)
		return errmsg_set(err, errsz, "%s: no public keys (<kid>.pub files from otpctl keygen)", dir);
	return true;
}

const uint8_t *keyring_find(const struct keyring *ring, const uint8_t kid[KEYS_KID_LEN])
{
	for (size_t i = 0; i < ring->n; i++)
		if (memcmp(ring->keys[i].kid, kid, KEYS_KID_LEN) == 0)
			return ring->keys[i].pk;
	return NULL;
}

bool keys_load_secret(const char *path, uint8_t **out, char *err, size_t errsz)
{
	uint8_t *s = sodium_malloc(KEYS_SECRET_LEN);

	*out = NULL;
	if (s == NULL)
		return errmsg_set(err, errsz, "%s: out of memory", path);
	if (!read_exact(path, s, KEYS_SECRET_LEN, true, err, errsz)) {
		sodium_free(s);
		return false;
	}
	sodium_mprotect_readonly(s);
	*out = s;
	return true;
}

uint8_t *keys_free_secret(uint8_t *secret)
{
	sodium_free(secret);
	return NULL;
}

/* write_new - create path (never overwriting) with mode 0600 and write len bytes */
static bool write_new(const char *path, const uint8_t *data, size_t len, char *err, size_t errsz)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return errmsg_set(err, errsz, "%s: cannot create: %s%s", path, strerror(errno),
			    errno == EEXIST ? " (keygen never overwrites keys; use another directory)" : "");
	if (fchmod(fd, 0600) != 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return errmsg_set(err, errsz, "%s: cannot write: %s", path, strerror(e));
	}
	if (close(fd) != 0)
		return errmsg_set(err, errsz, "%s: cannot write: %s", path, strerror(errno));
	return true;
}

bool keys_generate(const char *dir, FILE *out, char *err, size_t errsz)
{
	char key_path[4096], pub_path[4096], secret_path[4096], hex[KEYS_KID_HEX];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], kid[KEYS_KID_LEN];
	uint8_t *seed, *sk, *secret;
	bool ok = false;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return errmsg_set(err, errsz, "%s: cannot create directory: %s", dir, strerror(errno));
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	secret = sodium_malloc(KEYS_SECRET_LEN);
	if (seed == NULL || sk == NULL || secret == NULL) {
		errmsg_set(err, errsz, "out of memory");
		goto out;
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	randombytes_buf(secret, KEYS_SECRET_LEN);
	crypto_sign_seed_keypair(pk, sk, seed);
	keys_kid_from_pk(pk, kid);
	keys_kid_hex(kid, hex);
	snprintf(key_path, sizeof(key_path), "%s/link.key", dir);
	snprintf(pub_path, sizeof(pub_path), "%s/%s.pub", dir, hex);
	snprintf(secret_path, sizeof(secret_path), "%s/otpd.secret", dir);
	if (!write_new(key_path, seed, crypto_sign_SEEDBYTES, err, errsz))
		goto out;
	if (!write_new(pub_path, pk, sizeof(pk), err, errsz)) {
		unlink(key_path);
		goto out;
	}
	if (!write_new(secret_path, secret, KEYS_SECRET_LEN, err, errsz)) {
		unlink(key_path);
		unlink(pub_path);
		goto out;
	}
	fprintf(out, "; key id %s\n[keys]\nsigning_key = %s\nverify_keys = %s/\nsecret = %s\n",
		hex, key_path, dir, secret_path);
	ok = true;
out:
	sodium_free(seed);
	sodium_free(sk);
	sodium_free(secret);
	return ok;
}
