/*
 * test_privs - privs_resolve(), the one check both daemons make of [section] user before they open
 * anything: who they become, and what they refuse (no user as root, an unknown user, uid 0).
 * privs_switch() itself is tested on the real daemons (tests/e2e/t-privs.sh, tests/otpd/t-secrets.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

static void test_resolve(void **state)
{
	static const struct {
		const char *user;
		bool ok;		/* when started as root */
		const char *want;	/* the error must contain this */
	} cases[] = {
		{ "", false, "refusing to run as root: set [otpd] user" },
		{ "root", false, "[otpd] user = root is root" },
		{ "no-such-user-guestlink", false, "[otpd] user no-such-user-guestlink: no such user" },
		{ "nobody", true, NULL },
	};
	bool root = geteuid() == 0;
	struct passwd *nobody = getpwnam("nobody");
	int failures = 0;

	(void)state;
	assert_non_null(nobody);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct privs_user u;
		char err[256] = "";
		/* Not root: no user is fine (nothing to drop); a named user is still checked. */
		bool want_ok = cases[i].ok || (!root && cases[i].user[0] == '\0');
		bool ok = privs_resolve(cases[i].user, "otpd", &u, err, sizeof(err));

		if (ok != want_ok) {
			printf("case %s: got %s (%s), want %s\n", cases[i].user, ok ? "ok" : "refused", err,
			       want_ok ? "ok" : "refused");
			failures++;
		} else if (!ok && strstr(err, cases[i].want) == NULL) {
			printf("case %s: got \"%s\", want it to contain \"%s\"\n", cases[i].user, err, cases[i].want);
			failures++;
		} else if (ok && cases[i].user[0] != '\0' &&
			   (u.drop != root || u.uid != nobody->pw_uid || u.gid != nobody->pw_gid)) {
			printf("case %s: got drop=%d %u:%u, want drop=%d %u:%u\n", cases[i].user, u.drop, (unsigned)u.uid,
			       (unsigned)u.gid, root, (unsigned)nobody->pw_uid, (unsigned)nobody->pw_gid);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* test_switch_noop - not asked to drop: privs_switch() changes nothing and succeeds */
static void test_switch_noop(void **state)
{
	struct privs_user u = { .drop = false };
	char err[256];
	uid_t before = geteuid();

	(void)state;
	assert_true(privs_switch(&u, err, sizeof(err)));
	assert_int_equal(geteuid(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_switch_noop),
	};

	return cmocka_run_group_tests_name("privs", tests, NULL, NULL);
}
