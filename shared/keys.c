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

#include "caps.h"

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

void keys_guest_kid(const uint8_t key[KEYS_SECRET_LEN], uint8_t kid[KEYS_GUEST_KID_LEN])
{
	static const char label[] = "guestlink guest key id";
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof(h), (const unsigned char *)label, sizeof(label) - 1, key, KEYS_SECRET_LEN);
	memcpy(kid, h, KEYS_GUEST_KID_LEN);
}

/* dir_private - may nobody but the owner (and root) put files into what (a directory)? */
static bool dir_private(const char *what, const char *dir, char *err, size_t errsz)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return errmsg_set(err, errsz, "%s: cannot stat its directory %s: %s", what, dir, strerror(errno));
	/* Security: in a directory others may write, anyone could swap or plant a key. */
	if ((st.st_mode & 022) != 0)
		return errmsg_set(err, errsz, "%s: directory %s has mode %04o: group or others may write it; run chmod go-w %s",
			    what, dir, (unsigned)(st.st_mode & 07777), dir);
	return true;
}

/* parent_private - dir_private of the directory path is in */
static bool parent_private(const char *path, char *err, size_t errsz)
{
	char dir[CAP_PATH_BYTES];
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL)
		return dir_private(path, ".", err, errsz);
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof(dir))
		return errmsg_set(err, errsz, "%s: path too long", path);
	memcpy(dir, path, len);
	dir[len] = '\0';
	return dir_private(path, dir, err, errsz);
}

/* open_private - open a key or secret file for reading, or -1 with a reason: never through a symlink, a
 * regular file in a directory others cannot write, and for a secret one that group and others cannot read */
static int open_private(const char *path, bool secret, char *err, size_t errsz)
{
	struct stat st;
	int fd;

	if (!parent_private(path, err, errsz))
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(err, errsz, "%s: cannot open: %s", path, strerror(errno)), -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return errmsg_set(err, errsz, "%s: not a regular file", path), -1;
	}
	/* Security: as ssh does, refuse a secret others could have read. */
	if (secret && (st.st_mode & 077) != 0) {
		close(fd);
		return errmsg_set(err, errsz, "%s: mode %04o lets group or others read it; run chmod 600 %s", path,
				  (unsigned)(st.st_mode & 07777), path), -1;
	}
	return fd;
}

/* read_exact - read a file of exactly len bytes into buf; secret files must be private */
static bool read_exact(const char *path, uint8_t *buf, size_t len, bool secret, char *err, size_t errsz)
{
	ssize_t n;
	uint8_t extra;
	int fd = open_private(path, secret, err, errsz);

	if (fd < 0)
		return false;
	n = read(fd, buf, len);
	if (n != (ssize_t)len || read(fd, &extra, 1) != 0) {
		close(fd);
		return errmsg_set(err, errsz, "%s: must hold exactly %zu bytes (made by otpctl keygen)", path, len);
	}
	close(fd);
	return true;
}

bool keys_load_line(const char *path, size_t cap, const char *what, char **out, char *err, size_t errsz)
{
	ssize_t n;
	char *s;
	int fd;

	*out = NULL;
	if ((fd = open_private(path, true, err, errsz)) < 0)
		return false;
	if ((s = sodium_malloc(cap + 1)) == NULL) {
		close(fd);
		return errmsg_set(err, errsz, "%s: out of memory", path);
	}
	n = read(fd, s, cap + 1);
	close(fd);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n <= 0 || (size_t)n > cap || memchr(s, '\n', (size_t)n) != NULL || memchr(s, '\0', (size_t)n) != NULL) {
		sodium_free(s);
		return errmsg_set(err, errsz, "%s: must hold %s on one line (at most %zu bytes)", path, what, cap);
	}
	s[n] = '\0';
	*out = s;
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
	keys_free_guest(&key->guest);
}

bool keys_load_guest(const char *path, struct guest_key *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	if (!keys_load_secret(path, &out->key, err, errsz))
		return false;
	keys_guest_kid(out->key, out->kid);
	return true;
}

void keys_free_guest(struct guest_key *gk)
{
	gk->key = keys_free_secret(gk->key);
	memset(gk->kid, 0, sizeof(gk->kid));
}

bool keyring_add_guest(struct keyring *ring, const char *path, char *err, size_t errsz)
{
	struct guest_key gk;

	if (ring->n_guest >= KEYS_GUEST_KEYS)
		return errmsg_set(err, errsz, "%s: at most %d guest keys", path, KEYS_GUEST_KEYS);
	if (!keys_load_guest(path, &gk, err, errsz))
		return false;
	if (keyring_find_guest(ring, gk.kid) != NULL) {
		keys_free_guest(&gk);
		return errmsg_set(err, errsz, "%s: the same guest key (id) is configured twice", path);
	}
	ring->guest[ring->n_guest++] = gk;
	return true;
}

bool keyring_load_guests(struct keyring *ring, const char *current, const char *previous, char *err, size_t errsz)
{
	if (!keyring_add_guest(ring, current, err, errsz))
		return false;
	if (previous != NULL && !keyring_add_guest(ring, previous, err, errsz)) {
		keyring_free(ring);
		return false;
	}
	return true;
}

const struct guest_key *keyring_find_guest(const struct keyring *ring, const uint8_t kid[KEYS_GUEST_KID_LEN])
{
	for (size_t i = 0; i < ring->n_guest; i++)
		if (ring->guest[i].key != NULL && memcmp(ring->guest[i].kid, kid, KEYS_GUEST_KID_LEN) == 0)
			return &ring->guest[i];
	return NULL;
}

void keyring_free(struct keyring *ring)
{
	for (size_t i = 0; i < ring->n_guest; i++)
		keys_free_guest(&ring->guest[i]);
	ring->n_guest = 0;
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
	char path[CAP_PATH_BYTES];
	struct dirent *de;
	DIR *d = opendir(dir);

	memset(out, 0, sizeof(*out));
	if (d == NULL)
		return errmsg_set(err, errsz, "%s: cannot open key directory: %s", dir, strerror(errno));
	if (!dir_private(dir, dir, err, errsz)) {
		closedir(d);
		return false;
	}
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
	enum { F_KEY, F_PUB, F_SECRET, F_GUEST, F_N };
	char path[F_N][CAP_PATH_BYTES], hex[KEYS_KID_HEX];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], kid[KEYS_KID_LEN];
	uint8_t *seed, *sk, *secret, *guest;
	struct stat st;
	size_t made = 0;
	bool ok = false;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return errmsg_set(err, errsz, "%s: cannot create directory: %s", dir, strerror(errno));
	/* Security: keys go only into a real directory nobody else may write. */
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return errmsg_set(err, errsz, "%s: not a directory (a link is refused)", dir);
	if (!dir_private(dir, dir, err, errsz))
		return false;
	seed = sodium_malloc(crypto_sign_SEEDBYTES);
	sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	secret = sodium_malloc(KEYS_SECRET_LEN);
	guest = sodium_malloc(KEYS_SECRET_LEN);
	if (seed == NULL || sk == NULL || secret == NULL || guest == NULL) {
		errmsg_set(err, errsz, "out of memory");
		goto out;
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	randombytes_buf(secret, KEYS_SECRET_LEN);
	randombytes_buf(guest, KEYS_SECRET_LEN);
	crypto_sign_seed_keypair(pk, sk, seed);
	keys_kid_from_pk(pk, kid);
	keys_kid_hex(kid, hex);
	snprintf(path[F_KEY], sizeof(path[F_KEY]), "%s/link.key", dir);
	snprintf(path[F_PUB], sizeof(path[F_PUB]), "%s/%s.pub", dir, hex);
	snprintf(path[F_SECRET], sizeof(path[F_SECRET]), "%s/otpd.secret", dir);
	snprintf(path[F_GUEST], sizeof(path[F_GUEST]), "%s/guest.key", dir);
	/* All or none: a file already there stops keygen before it writes anything. */
	for (size_t i = 0; i < F_N; i++)
		if (lstat(path[i], &st) == 0) {
			errmsg_set(err, errsz, "%s: already exists (keygen never overwrites keys; use another directory)",
				   path[i]);
			goto out;
		}
	if (!write_new(path[F_KEY], seed, crypto_sign_SEEDBYTES, err, errsz))
		goto out;
	made++;
	if (!write_new(path[F_PUB], pk, sizeof(pk), err, errsz))
		goto out;
	made++;
	if (!write_new(path[F_SECRET], secret, KEYS_SECRET_LEN, err, errsz))
		goto out;
	made++;
	if (!write_new(path[F_GUEST], guest, KEYS_SECRET_LEN, err, errsz))
		goto out;
	made++;
	fprintf(out, "; key id %s\n[keys]\nsigning_key = %s\nverify_keys = %s/\nsecret = %s\nguest_key = %s\n",
		hex, path[F_KEY], dir, path[F_SECRET], path[F_GUEST]);
	ok = true;
out:
	if (!ok)
		while (made > 0)
			unlink(path[--made]);
	sodium_free(seed);
	sodium_free(sk);
	sodium_free(secret);
	sodium_free(guest);
	return ok;
}
