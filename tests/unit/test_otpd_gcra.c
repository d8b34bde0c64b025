/*
 * test_otpd_gcra - the GCRA arithmetic, as a table of events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "gcra.h"

struct step {
	uint64_t at_ms;
	bool allowed;
	uint64_t retry_ms;	/* when refused */
};

struct gcra_case {
	const char *name;
	struct gcra_limit lim;
	struct step steps[8];
	size_t n;
};

static const struct gcra_case cases[] = {
	{ "60 s between mails", { 60000, 1 },
	  { { 0, true, 0 }, { 1000, false, 59000 }, { 59999, false, 1 }, { 60000, true, 0 }, { 60001, false, 59999 } }, 5 },
	{ "5 an hour, burst 5", { 720000, 5 },
	  { { 0, true, 0 }, { 1, true, 0 }, { 2, true, 0 }, { 3, true, 0 }, { 4, true, 0 }, { 5, false, 719995 },
	    { 720004, true, 0 }, { 720005, false, 719995 } }, 8 },
	{ "idle refills", { 1000, 2 }, { { 0, true, 0 }, { 0, true, 0 }, { 0, false, 1000 }, { 100000, true, 0 },
					{ 100000, true, 0 } }, 5 },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t tat = 0;

		for (size_t i = 0; i < cases[c].n; i++) {
			const struct step *s = &cases[c].steps[i];
			uint64_t new_tat, retry;
			bool got = gcra_check(&cases[c].lim, tat, s->at_ms, &new_tat, &retry);

			if (got != s->allowed || (!got && retry != s->retry_ms))
				fail_msg("%s step %zu: got allowed=%d retry=%llu, want allowed=%d retry=%llu", cases[c].name,
					 i, got, (unsigned long long)retry, s->allowed, (unsigned long long)s->retry_ms);
			tat = new_tat;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_table) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
