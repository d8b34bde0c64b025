/*
 * test_keys - the key files' boundaries (shared/keys.c): a symlinked key, a
 * key file of the wrong length, a key in a directory others may write, a
 * public key planted in a writable verify_keys directory, keygen into a
 * directory with loose permissions, through a link, or over existing keys
 * (never overwritten, nothing half made), and the guest key's id and memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

struct fixture {
	char dir[64];
	char err[512];
	FILE *devnull;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_int_equal(sodium_init() >= 0, 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/guestlink-keys-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->devnull = fopen("/dev/null", "w");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	fclose(f->devnull);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void path_in(const struct fixture *f, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", f->dir, name);
}

static void write_file(const char *path, size_t len, mode_t mode)
{
	uint8_t data[64] = { 1, 2, 3 };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_keygen_makes_guest_key(void **state)
{
	struct fixture *f = *state;
	char dir[128], path[160];
	struct guest_key gk, again;
	struct stat st;

	path_in(f, "k", dir, sizeof(dir));
	assert_true(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
	snprintf(path, sizeof(path), "%s/guest.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, KEYS_SECRET_LEN);
	assert_true(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	/* sodium_malloc'd and read-only: the id is the keyed hash, reproducible */
	assert_true(keys_load_guest(path, &again, f->err, sizeof(f->err)));
	assert_memory_equal(gk.kid, again.kid, KEYS_GUEST_KID_LEN);
	keys_free_guest(&gk);
	assert_null(gk.key);
	keys_free_guest(&again);
}

static void test_keygen_never_overwrites(void **state)
{
	struct fixture *f = *state;
	char dir[128], path[160];
	uint8_t before[32], after[32];
	int fd;
	struct stat st;

	path_in(f, "ow", dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/guest.key", dir);
	write_file(path, 32, 0600);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, before, 32), 32);
	close(fd);
	assert_false(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "already exists"));
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, after, 32), 32);
	close(fd);
	assert_memory_equal(before, after, 32);
	/* nothing half made: no link.key, no otpd.secret beside it */
	snprintf(path, sizeof(path), "%s/link.key", dir);
	assert_int_not_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/otpd.secret", dir);
	assert_int_not_equal(stat(path, &st), 0);
	/* a second keygen into a full directory refuses too */
	path_in(f, "full", dir, sizeof(dir));
	assert_true(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
	assert_false(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
}

static void test_keygen_loose_or_linked_dir(void **state)
{
	struct fixture *f = *state;
	char dir[128], link[128], path[160];
	struct stat st;

	path_in(f, "loose", dir, sizeof(dir));
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_false(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "group or others may write"));
	snprintf(path, sizeof(path), "%s/link.key", dir);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(chmod(dir, 0770), 0);
	assert_false(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
	/* a link to a private directory is refused as well */
	assert_int_equal(chmod(dir, 0700), 0);
	path_in(f, "linked", link, sizeof(link));
	assert_int_equal(symlink(dir, link), 0);
	assert_false(keys_generate(link, f->devnull, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "not a directory"));
	assert_int_not_equal(stat(path, &st), 0);
}

static void test_guest_key_files(void **state)
{
	struct fixture *f = *state;
	char path[160], link[160], sub[128];
	struct guest_key gk;

	/* wrong length */
	path_in(f, "short.key", path, sizeof(path));
	write_file(path, 31, 0600);
	assert_false(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "exactly 32 bytes"));
	path_in(f, "long.key", path, sizeof(path));
	write_file(path, 33, 0600);
	assert_false(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	assert_null(gk.key);
	/* readable by others */
	path_in(f, "open.key", path, sizeof(path));
	write_file(path, 32, 0644);
	assert_false(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "chmod 600"));
	/* a symlink to a good key */
	path_in(f, "good.key", path, sizeof(path));
	write_file(path, 32, 0600);
	assert_true(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	keys_free_guest(&gk);
	path_in(f, "linked.key", link, sizeof(link));
	assert_int_equal(symlink(path, link), 0);
	assert_false(keys_load_guest(link, &gk, f->err, sizeof(f->err)));
	/* a directory, not a file */
	assert_false(keys_load_guest(f->dir, &gk, f->err, sizeof(f->err)));
	/* a good key in a directory others may write: they could have swapped it */
	path_in(f, "ww", sub, sizeof(sub));
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/guest.key", sub);
	write_file(path, 32, 0600);
	assert_true(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	keys_free_guest(&gk);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_false(keys_load_guest(path, &gk, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "group or others may write"));
	/* the signing key and the secret go through the same check */
	assert_int_equal(chmod(sub, 0700), 0);
}

static void test_verify_dir_writable(void **state)
{
	struct fixture *f = *state;
	char dir[128];
	struct keyring ring;

	path_in(f, "v", dir, sizeof(dir));
	assert_true(keys_generate(dir, f->devnull, f->err, sizeof(f->err)));
	assert_true(keys_load_verify(dir, &ring, f->err, sizeof(f->err)));
	/* Anyone who may write verify_keys could plant a <kid>.pub and sign links. */
	assert_int_equal(chmod(dir, 0733), 0);
	assert_false(keys_load_verify(dir, &ring, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "group or others may write"));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_true(keys_load_verify(dir, &ring, f->err, sizeof(f->err)));
}

/* A <kid>.pub planted as a symlink, or holding another key than its name says: refused, not followed. */
static void test_verify_dir_planted(void **state)
{
	struct fixture *f = *state;
	char a[128], b[128], from[512], to[512];
	struct keyring ring;
	struct dirent *de;
	DIR *d;

	path_in(f, "pa", a, sizeof(a));
	path_in(f, "pb", b, sizeof(b));
	assert_true(keys_generate(a, f->devnull, f->err, sizeof(f->err)));
	assert_true(keys_generate(b, f->devnull, f->err, sizeof(f->err)));
	d = opendir(b);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".pub") != NULL)
			break;
	assert_non_null(de);
	snprintf(from, sizeof(from), "%s/%s", b, de->d_name);
	snprintf(to, sizeof(to), "%s/%s", a, de->d_name);
	closedir(d);
	assert_int_equal(symlink(from, to), 0);
	assert_false(keys_load_verify(a, &ring, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "cannot open"));
	unlink(to);
	/* B's key under a name of its own making */
	snprintf(to, sizeof(to), "%s/0123456789abcdef.pub", a);
	assert_int_equal(link(from, to), 0);
	assert_false(keys_load_verify(a, &ring, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "does not have the key id of its name"));
}

/* put_text - a file holding text, with mode */
static void put_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* test_line_secrets - keys_load_line, the one reader of client secrets and database passwords */
static void test_line_secrets(void **state)
{
	static const struct {
		const char *name, *text;
		mode_t mode;
		const char *want;	/* the value, or NULL: refused */
		const char *why;	/* in the error when refused */
	} t[] = {
		{ "ok", "s3cret\n", 0600, "s3cret", NULL },
		{ "crlf", "s3cret\r\n", 0400, "s3cret", NULL },
		{ "readable by others", "s3cret\n", 0644, NULL, "chmod 600" },
		{ "readable by group", "s3cret\n", 0640, NULL, "chmod 600" },
		{ "two lines", "a\nb\n", 0600, NULL, "on one line" },
		{ "empty", "\n", 0600, NULL, "on one line" },
		{ "too long", "0123456789abcdefX", 0600, NULL, "at most 16 bytes" },
	};
	struct fixture *f = *state;
	char path[128], link[128];
	char *got;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		path_in(f, "line.secret", path, sizeof(path));
		put_text(path, t[i].text, t[i].mode);
		if (keys_load_line(path, 16, "the test secret", &got, f->err, sizeof(f->err))) {
			if (t[i].want == NULL || strcmp(got, t[i].want) != 0)
				fail_msg("%s: got '%s', want %s", t[i].name, got, t[i].want ? t[i].want : "refused");
			sodium_free(got);
		} else if (t[i].want != NULL || strstr(f->err, t[i].why) == NULL) {
			fail_msg("%s: got error '%s', want %s", t[i].name, f->err, t[i].want ? t[i].want : t[i].why);
		}
		unlink(path);
	}
	/* a symlink, and a directory others may write, are refused as for keys */
	path_in(f, "real.secret", path, sizeof(path));
	put_text(path, "s3cret\n", 0600);
	path_in(f, "link.secret", link, sizeof(link));
	assert_int_equal(symlink(path, link), 0);
	assert_false(keys_load_line(link, 16, "the test secret", &got, f->err, sizeof(f->err)));
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_false(keys_load_line(path, 16, "the test secret", &got, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "chmod go-w"));
	assert_int_equal(chmod(f->dir, 0700), 0);
	unlink(link);
	unlink(path);
}

static void test_keyring_guests(void **state)
{
	struct fixture *f = *state;
	char a[128], b[128], pa[160], pb[160];
	struct keyring ring;

	path_in(f, "ga", a, sizeof(a));
	path_in(f, "gb", b, sizeof(b));
	assert_true(keys_generate(a, f->devnull, f->err, sizeof(f->err)));
	assert_true(keys_generate(b, f->devnull, f->err, sizeof(f->err)));
	snprintf(pa, sizeof(pa), "%s/guest.key", a);
	snprintf(pb, sizeof(pb), "%s/guest.key", b);
	assert_true(keys_load_verify(a, &ring, f->err, sizeof(f->err)));
	assert_true(keyring_load_guests(&ring, pb, pa, f->err, sizeof(f->err)));
	assert_int_equal(ring.n_guest, 2);
	assert_ptr_equal(keyring_find_guest(&ring, ring.guest[1].kid), &ring.guest[1]);
	keyring_free(&ring);
	assert_int_equal(ring.n_guest, 0);
	/* the same key twice is a configuration mistake, said so */
	assert_true(keys_load_verify(a, &ring, f->err, sizeof(f->err)));
	assert_false(keyring_load_guests(&ring, pa, pa, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "twice"));
	assert_int_equal(ring.n_guest, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_makes_guest_key),
		cmocka_unit_test(test_keygen_never_overwrites),
		cmocka_unit_test(test_keygen_loose_or_linked_dir),
		cmocka_unit_test(test_guest_key_files),
		cmocka_unit_test(test_verify_dir_writable),
		cmocka_unit_test(test_verify_dir_planted),
		cmocka_unit_test(test_keyring_guests),
		cmocka_unit_test(test_line_secrets),
	};

	return cmocka_run_group_tests_name("keys", tests, setup, teardown);
}
