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

#include <stdbool.h>

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
	{ "https://wiki.example.org/space/../admin", -1 },	/* /admin of the wiki host */
	{ "https://wiki.example.org/space/%2e%2e/admin", -1 },
	{ "https://wiki.example.org/space/./x", 1 },
	{ "https://wiki.example.org/x/../space/y", 1 },
	{ "https://wiki.example.org/space/../spaces", -1 },
	{ "https://wiki.example.org/sp%61ce/x", 1 },
	{ "https://wiki.example.org/space%2Fx", -1 },
	{ "https://wiki.example.org./space/x", 1 },
	{ "https://wiki.example.org/space/a b", -1 },
	{ "ftp://wiki.example.org/space/", -1 },
	{ "", -1 },
	{ "https://", -1 },
};


/*
 * The normaliser (issue 10, finding 2): each URL, the verdict and why, and the
 * normalised form a server sees. "T" below is https://teams.example.org.
 */
#define T "https://teams.example.org"
static const struct {
	const char *url;
	enum url_status want;
	const char *norm;	/* URL_OK: url_format() of it */
} norm_cases[] = {
	/* allowed, and what they become */
	{ T "/team/42/x", URL_OK, T "/team/42/x" },
	{ T, URL_OK, T "/" },
	{ "HTTPS://Teams.EXAMPLE.org/Team/42", URL_OK, T "/Team/42" },
	{ T ":443/team/42", URL_OK, T "/team/42" },
	{ "http://teams.example.org:80/a", URL_OK, "http://teams.example.org/a" },
	{ T ":8443/a", URL_OK, T ":8443/a" },
	{ "https://teams.example.org./team/42", URL_OK, T "/team/42" },
	{ T "/team/42/./x", URL_OK, T "/team/42/x" },
	{ T "/team/42/../43/x", URL_OK, T "/team/43/x" },
	{ T "/team/42/..", URL_OK, T "/team/" },
	{ T "/team/42/.", URL_OK, T "/team/42/" },
	{ T "/../../team/42", URL_OK, T "/team/42" },
	{ T "/team/42/x/../../42/y", URL_OK, T "/team/42/y" },
	{ T "/te%61m/%34%32/x", URL_OK, T "/team/42/x" },
	{ T "/team/42/%7euser", URL_OK, T "/team/42/~user" },
	{ T "/team/42/a%20b", URL_OK, T "/team/42/a%20b" },
	{ T "/team/42/a%3fb", URL_OK, T "/team/42/a%3Fb" },
	{ T "/team/42/a%25", URL_OK, T "/team/42/a%25" },
	{ T "/team/42/caf%c3%a9", URL_OK, T "/team/42/caf%C3%A9" },
	{ T "/team/42/caf\xc3\xa9", URL_OK, T "/team/42/caf%C3%A9" },
	{ T "/team/42/%F0%9F%98%80", URL_OK, T "/team/42/%F0%9F%98%80" },
	{ T "/team/42?q=..%2F43", URL_OK, T "/team/42?q=..%2F43" },
	{ T "/team/42#../43", URL_OK, T "/team/42" },
	{ T "/team/42/...", URL_OK, T "/team/42/..." },
	{ T "/team/42/..a", URL_OK, T "/team/42/..a" },
	{ T "/team/42/", URL_OK, T "/team/42/" },
	/* refused, and why */
	{ T "/team/42/..%2F43/secret.txt", URL_ENCODED_SLASH, NULL },
	{ T "/team/42/..%2f43", URL_ENCODED_SLASH, NULL },
	{ T "/team/42/%2E%2E%2F43/secret.txt", URL_ENCODED_DOT, NULL },
	{ T "/team/42/%2e%2e/43", URL_ENCODED_DOT, NULL },
	{ T "/team/42/.%2e/43", URL_ENCODED_DOT, NULL },
	{ T "/team/42/x%2Ehtml", URL_ENCODED_DOT, NULL },
	{ T "/team/42/..%5C43", URL_ENCODED_BACKSLASH, NULL },
	{ T "/team/42/..\\43", URL_BAD_CHAR, NULL },
	{ T "/team/42\\..\\43", URL_BAD_CHAR, NULL },
	{ T "/team/42/%00", URL_ENCODED_CONTROL, NULL },
	{ T "/team/42/%0a", URL_ENCODED_CONTROL, NULL },
	{ T "/team/42/%7F", URL_ENCODED_CONTROL, NULL },
	{ T "/team/42/a b", URL_BAD_CHAR, NULL },
	{ T "/team/42/a\tb", URL_BAD_CHAR, NULL },
	{ T "/team/42/%C0%AE%C0%AE/43", URL_BAD_UTF8, NULL },
	{ T "/team/42/%C0%AF", URL_BAD_UTF8, NULL },
	{ T "/team/42/%E0%80%AE", URL_BAD_UTF8, NULL },
	{ T "/team/42/%ED%A0%80", URL_BAD_UTF8, NULL },
	{ T "/team/42/%F4%90%80%80", URL_BAD_UTF8, NULL },
	{ T "/team/42/%C3", URL_BAD_UTF8, NULL },
	{ T "/team/42/%C3x", URL_BAD_UTF8, NULL },
	{ T "/team/42/\xc0\xae", URL_BAD_UTF8, NULL },
	{ T "/team/42/\xe9", URL_BAD_UTF8, NULL },
	{ T "/team/42/%zz", URL_BAD_ESCAPE, NULL },
	{ T "/team/42/%4", URL_BAD_ESCAPE, NULL },
	{ T "/team/42//../43", URL_EMPTY_SEGMENT, NULL },
	{ T "//team/42", URL_EMPTY_SEGMENT, NULL },
	{ T "/team/42/..;/43", URL_DOT_PARAMS, NULL },
	{ T "/team/42/.;x/y", URL_DOT_PARAMS, NULL },
	{ "https://evil@teams.example.org/team/42", URL_USERINFO, NULL },
	{ "https://teams.example.org@evil.example/team/42", URL_USERINFO, NULL },
	{ "https://teams.example.org%2eevil/", URL_BAD_HOST, NULL },
	{ "https://teams..example.org/", URL_BAD_HOST, NULL },
	{ "https://.teams.example.org/", URL_BAD_HOST, NULL },
	{ "https://teams.example.org../", URL_BAD_HOST, NULL },
	{ "https:///team/42", URL_BAD_HOST, NULL },
	{ "https://teams.example.org:0/", URL_BAD_PORT, NULL },
	{ "https://teams.example.org:65536/", URL_BAD_PORT, NULL },
	{ "https://teams.example.org:/", URL_BAD_PORT, NULL },
	{ "https://teams.example.org:44x/", URL_BAD_PORT, NULL },
	{ "https:teams.example.org/team/42", URL_NOT_HTTP, NULL },
	{ "//teams.example.org/team/42", URL_NOT_HTTP, NULL },
	{ "/team/42", URL_NOT_HTTP, NULL },
	{ "javascript:alert(1)", URL_NOT_HTTP, NULL },
	{ "https://evil.example\\@teams.example.org/", URL_BAD_CHAR, NULL },
	{ "https://evil.example\\.teams.example.org/", URL_BAD_CHAR, NULL },
};

static void test_normalise_table(void **state)
{
	struct url u;
	char text[CAP_URL_BYTES + 1];
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		enum url_status got = url_check(norm_cases[i].url, strlen(norm_cases[i].url), &u);

		if (got != norm_cases[i].want) {
			printf("url_check(%s): got %s, want %s\n", norm_cases[i].url, url_status_word(got),
			       url_status_word(norm_cases[i].want));
			failures++;
			continue;
		}
		if (got != URL_OK)
			continue;
		if (!url_format(&u, text, sizeof(text)) || strcmp(text, norm_cases[i].norm) != 0) {
			printf("url_format(%s): got %s, want %s\n", norm_cases[i].url, text, norm_cases[i].norm);
			failures++;
			continue;
		}
		/* Normalising twice changes nothing (what otpd stores and later re-checks is stable). */
		{
			char again[CAP_URL_BYTES + 1];

			if (url_check(text, strlen(text), &u) != URL_OK || !url_format(&u, again, sizeof(again)) ||
			    strcmp(again, text) != 0) {
				printf("normalise twice(%s): got %s, want %s\n", norm_cases[i].url, again, text);
				failures++;
			}
		}
	}
	printf("%zu URLs checked\n", sizeof(norm_cases) / sizeof(norm_cases[0]));
	assert_int_equal(failures, 0);
}

/* A guest of /team/42: what /auth and rd allow (url_under, the check of guest_resource). */
static const struct {
	const char *url;
	bool want;
} under_cases[] = {
	{ T "/team/42", true },
	{ T "/team/42/", true },
	{ T "/team/42/secret.txt", true },
	{ T "/team/42?x=1", true },
	{ T "/team/42#top", true },
	{ T "/team/43/../42/x", true },
	{ "HTTPS://TEAMS.EXAMPLE.ORG./team/42/x", true },
	{ T ":443/team/42/x", true },
	{ T "/team/%34%32/x", true },
	{ T "/team/420", false },
	{ T "/team/42x", false },
	{ T "/team/4", false },
	{ T "/team/43/secret.txt", false },
	{ T "/team/42/../43/secret.txt", false },
	{ T "/team/42/..%2F43/secret.txt", false },
	{ T "/team/42/%2E%2E%2F43/secret.txt", false },
	{ T "/team/42/%2e%2e/43/secret.txt", false },
	{ T "/team/42//../43/secret.txt", false },
	{ T "/team/42/..;/43/secret.txt", false },
	{ T "/team/42/..%5C43/secret.txt", false },
	{ T "/team/42/%C0%AE%C0%AE%C0%AF43", false },
	{ T "/team/42/..", false },
	{ T ":8443/team/42", false },
	{ "http://teams.example.org/team/42", false },
	{ "https://teams.example.org.evil/team/42", false },
	{ "https://evil@teams.example.org/team/42", false },
	{ "https://xteams.example.org/team/42", false },
	{ "https://teams.example.org%2F@evil/team/42", false },
};

static void test_under_team42(void **state)
{
	static const char prefix[] = T "/team/42";
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(under_cases) / sizeof(under_cases[0]); i++) {
		bool got = url_under(prefix, strlen(prefix), under_cases[i].url, strlen(under_cases[i].url));

		if (got != under_cases[i].want) {
			printf("url_under(%s, %s): got %d, want %d\n", prefix, under_cases[i].url, got, under_cases[i].want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* A configured prefix is kept normalised (config load uses resource_list_add). */
static void test_prefix_normalised(void **state)
{
	struct resource_list list = { 0 };
	const char *why = NULL;

	(void)state;
	assert_true(resource_list_add(&list, "HTTPS://Teams.Example.ORG.:443/a/./b/../c%7e", &why));
	assert_string_equal(list.items[0].text, T "/a/c~");
	assert_false(resource_list_add(&list, T "/a%2Fb", &why));
	assert_string_equal(why, "has an encoded '/' (%2F) in the path");
	resource_list_free(&list);
}

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
					   "https://x.org/a%2F..%2Fb", "mailto:a@b.c", "https://x.org/#f",
					   "https://x.org/a/%2e%2e/b", "https://x.org//a", "https://x.org/a\\b",
					   "https://x.org/%C0%AE", "https://x.org:0/", "https://x.org/a;b/..;/c" };
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
		cmocka_unit_test(test_normalise_table),
		cmocka_unit_test(test_under_team42),
		cmocka_unit_test(test_prefix_normalised),
	};

	return cmocka_run_group_tests_name("resource", tests, NULL, NULL);
}
