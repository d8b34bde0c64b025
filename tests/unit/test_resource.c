/*
 * test_resource - URL matching against resource prefixes: the boundary rules
 * of DESIGN.md (a look-alike host is never rewritten).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "resource.h"

static const struct {
	const char *url;
	int want;	/* index of the resource that matches, -1 none */
} cases[] = {
	{ "https://teams.example.org/t/research-lab", 0 },
	{ "https://teams.example.org/", 0 },
	{ "https://teams.example.org", 0 },
	{ "https://teams.example.org?x=1", 0 },
	{ "HTTPS://TEAMS.Example.ORG/t/x", 0 },
	{ "https://teams.example.org:443/t/x", 0 },
	{ "https://teams.example.org:8443/t/x", -1 },
	{ "http://teams.example.org/t/x", -1 },
	{ "https://teams.example.org.evil.net/t/x", -1 },
	{ "https://evilteams.example.org/t/x", -1 },
	{ "https://teams.example.org@evil.net/t/x", -1 },
	{ "https://evil.net\\@teams.example.org/", -1 },
	{ "https://teams.example.org%2eevil.net/", -1 },
	{ "https://wiki.example.org/space/page", 1 },
	{ "https://wiki.example.org/space", 1 },
	{ "https://wiki.example.org/space?q=1", 1 },
	{ "https://wiki.example.org/space#top", 1 },
	{ "https://wiki.example.org/spaces", -1 },
	{ "https://wiki.example.org/Space/page", -1 },
	{ "https://wiki.example.org/", -1 },
	{ "https://wiki.example.org/space/../admin", -1 },
	{ "https://wiki.example.org/space/%2e%2e/admin", -1 },
	{ "https://wiki.example.org/space/./x", -1 },
	{ "https://wiki.example.org/space/a b", -1 },
	{ "ftp://wiki.example.org/space/", -1 },
	{ "", -1 },
	{ "https://", -1 },
};

static void test_match_table(void **state)
{
	struct resource_list list = { 0 };
	const char *why = NULL;
	int failures = 0;

	(void)state;
	assert_true(resource_list_add(&list, "https://teams.example.org/", &why));
	assert_true(resource_list_add(&list, "https://wiki.example.org/space", &why));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct resource *r = resource_match(&list, cases[i].url, strlen(cases[i].url));
		int got = r ? (int)(r - list.items) : -1;

		if (got != cases[i].want) {
			printf("resource_match(%s): got %d, want %d\n", cases[i].url, got, cases[i].want);
			failures++;
		}
	}
	resource_list_free(&list);
	assert_int_equal(failures, 0);
}

static void test_bad_prefixes(void **state)
{
	static const char *const bad[] = { "teams.example.org", "https://x.org/?q", "https://u@x.org/",
					   "https://x.org/a/../b", "mailto:a@b.c", "https://x.org/#f" };
	struct resource_list list = { 0 };
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (resource_list_add(&list, bad[i], &why))
			fail_msg("resource_list_add(%s): got accepted, want refused", bad[i]);
		assert_non_null(why);
	}
	resource_list_free(&list);
}

static void test_url_under(void **state)
{
	(void)state;
	assert_true(url_under("https://a.org/x/", 16, "https://a.org/x/y", 17));
	assert_false(url_under("https://a.org/x/", 16, "https://a.org/xy", 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_bad_prefixes),
		cmocka_unit_test(test_url_under),
	};

	return cmocka_run_group_tests_name("resource", tests, NULL, NULL);
}
