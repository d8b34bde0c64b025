/*
 * test_links.c - links_rewrite_text / links_rewrite_html on tables of
 * got/want cases. The accept link is "L<n>", n counting calls, so each
 * replaced link is visible and numbered in the expected text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "caps.h"
#include "links.h"

struct calls {
	size_t n;
	char last[256];
};

static bool numbered_link(void *ctx, const struct resource *res, const char *url, size_t len, struct buf *out)
{
	struct calls *c = ctx;

	(void)res;
	snprintf(c->last, sizeof(c->last), "%.*s", (int)len, url);
	return buf_printf(out, "L%zu", ++c->n);
}

static struct resource_list resources;

static int setup(void **state)
{
	const char *why;

	(void)state;
	if (!resource_list_add(&resources, "https://teams.example.org/", &why) ||
	    !resource_list_add(&resources, "https://wiki.example.org/space", &why))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	resource_list_free(&resources);
	return 0;
}

struct tcase {
	const char *in;
	const char *want;
	size_t replaced;
};

static const struct tcase text_cases[] = {
	{ "see https://teams.example.org/t/x now", "see L1 now", 1 },
	{ "(see https://teams.example.org/t/x).", "(see L1).", 1 },
	{ "https://wiki.example.org/space/A_(b)", "L1", 1 },
	{ "https://wiki.example.org/space/x))", "L1))", 1 },
	{ "<https://teams.example.org/t/a>", "<L1>", 1 },
	{ "\"https://teams.example.org/t/a\"", "\"L1\"", 1 },
	{ "[https://teams.example.org/t/a]", "[L1]", 1 },
	{ "https://teams.example.org/t/a?,;:!'", "L1?,;:!'", 1 },
	{ "HTTPS://TEAMS.EXAMPLE.ORG/t/a", "L1", 1 },
	{ "http://teams.example.org/t/a", "http://teams.example.org/t/a", 0 },
	{ "https://teams.example.org.evil.net/", "https://teams.example.org.evil.net/", 0 },
	{ "https://teams.example.org@evil.net/", "https://teams.example.org@evil.net/", 0 },
	{ "https://evil.net@teams.example.org/", "https://evil.net@teams.example.org/", 0 },
	{ "https://wiki.example.org/spaces", "https://wiki.example.org/spaces", 0 },
	{ "https://wiki.example.org/space", "L1", 1 },
	{ "xhttps://teams.example.org/", "xhttps://teams.example.org/", 0 },
	{ "1https://teams.example.org/ .https://teams.example.org/", "1https://teams.example.org/ .https://teams.example.org/", 0 },
	{ "a https://teams.example.org/\xc3\xa9", "a L1\xc3\xa9", 1 },
	{ "https://teams.example.org/a\thttps://teams.example.org/b", "L1\tL2", 1 + 1 },
	{ "https://teams.example.org/a\\b", "https://teams.example.org/a\\b", 0 },
	/* Judged as the server will see it (resource.h, issue 10): */
	{ "https://teams.example.org.evil/", "https://teams.example.org.evil/", 0 },
	{ "https://wiki.example.org/sp%61ce/p", "L1", 1 },
	{ "https://wiki.example.org/x/../space/p", "L1", 1 },
	{ "https://wiki.example.org./space/p", "L1", 1 },
	{ "https://wiki.example.org/space/../admin", "https://wiki.example.org/space/../admin", 0 },
	{ "https://wiki.example.org/space/..%2Fadmin", "https://wiki.example.org/space/..%2Fadmin", 0 },
	{ "https://wiki.example.org/x%2F..%2Fspace/p", "https://wiki.example.org/x%2F..%2Fspace/p", 0 },
	{ "https://wiki.example.org/space//../admin", "https://wiki.example.org/space//../admin", 0 },
	{ "https://wiki.example.org/space%2e/p", "https://wiki.example.org/space%2e/p", 0 },
	{ "https://", "https://", 0 },
	{ "h", "h", 0 },
	{ "", "", 0 },
};

static const struct tcase html_cases[] = {
	{ "<a href=\"https://teams.example.org/t/a\">https://teams.example.org/t/a</a>",
	  "<a href=\"L1\">https://teams.example.org/t/a</a>", 1 },
	{ "<a href='https://teams.example.org/t/a'>x</a>", "<a href='L1'>x</a>", 1 },
	{ "<a href=https://teams.example.org/t/a>x</a>", "<a href=\"L1\">x</a>", 1 },
	{ "<a HREF = \"https://teams.example.org/\">x</a>", "<a HREF = \"L1\">x</a>", 1 },
	{ "<a href=\"https&#58;//teams.example.org/\">", "<a href=\"L1\">", 1 },
	{ "<a href=\"https&#x3a;//teams.example.org/\">", "<a href=\"L1\">", 1 },
	{ "<a href=\"https&#x3A//teams.example.org/\">", "<a href=\"L1\">", 1 },
	{ "<a href=\"https&colon;&sol;&sol;teams&period;example&period;org/\">", "<a href=\"L1\">", 1 },
	{ "<a href=\"https://teams.example.org/?a=1&amp;b=2\">", "<a href=\"L1\">", 1 },
	{ "<a href=\"https://teams.exa&#10;mple.org/\">", "<a href=\"L1\">", 1 },
	{ "<a href=\" \thttps://teams.example.org/ \">", "<a href=\"L1\">", 1 },
	{ "<a href=\"https://teams.example.org&commat;evil.net/\">", "<a href=\"https://teams.example.org&commat;evil.net/\">", 0 },
	{ "<a href=\"https://teams.example.org.evil.net/\">", "<a href=\"https://teams.example.org.evil.net/\">", 0 },
	{ "<a href=\"https://wiki.example.org/space/%2e%2e/admin\">", "<a href=\"https://wiki.example.org/space/%2e%2e/admin\">", 0 },
	{ "<a href=\"https://wiki.example.org/%73pace/p\">", "<a href=\"L1\">", 1 },
	{ "<a title=\"href=https://teams.example.org/\">", "<a title=\"href=https://teams.example.org/\">", 0 },
	{ "<a data-href=\"https://teams.example.org/\">", "<a data-href=\"https://teams.example.org/\">", 0 },
	{ "<!-- <a href=\"https://teams.example.org/\"> -->", "<!-- <a href=\"https://teams.example.org/\"> -->", 0 },
	{ "<!--> <a href=\"https://teams.example.org/\">", "<!--> <a href=\"L1\">", 1 },
	{ "<!-- x --!> <a href=\"https://teams.example.org/\">", "<!-- x --!> <a href=\"L1\">", 1 },
	{ "<script>\"<a href='https://teams.example.org/'>\"</script><a href=https://teams.example.org/>",
	  "<script>\"<a href='https://teams.example.org/'>\"</script><a href=\"L1\">", 1 },
	{ "<STYLE>x[href=\"https://teams.example.org/\"]</STYLE >", "<STYLE>x[href=\"https://teams.example.org/\"]</STYLE >", 0 },
	{ "<a title=\">\" href=\"https://teams.example.org/\">", "<a title=\">\" href=\"L1\">", 1 },
	{ "<a/href=\"https://teams.example.org/\">", "<a/href=\"L1\">", 1 },
	{ "<area href=\"https://wiki.example.org/space/x\" alt=y>", "<area href=\"L1\" alt=y>", 1 },
	{ "<a href=\"https://teams.example.org/\"", "<a href=\"L1\"", 1 },
	{ "<a href=\"https://teams.example.org/", "<a href=\"L1\"", 1 },
	{ "<a href=", "<a href=", 0 },
	{ "<", "<", 0 },
	{ "a < b > c", "a < b > c", 0 },
	/* Bare URLs in the text (issue 11): wrapped, shown as the accept link. */
	{ "<p>at https://teams.example.org/t/x.</p>", "<p>at <a href=\"L1\">L1</a>.</p>", 1 },
	{ "https://teams.example.org/", "<a href=\"L1\">L1</a>", 1 },
	{ "<p>https://teams.example.org/a&nbsp;b</p>", "<p><a href=\"L1\">L1</a>&nbsp;b</p>", 1 },
	{ "&lt;https://teams.example.org/a&gt;", "&lt;<a href=\"L1\">L1</a>&gt;", 1 },
	{ "<a href=x>https://teams.example.org/a</a> https://teams.example.org/b",
	  "<a href=x>https://teams.example.org/a</a> <a href=\"L1\">L1</a>", 1 },
	{ "<A HREF=x>see <b>https://teams.example.org/a</b></A >", "<A HREF=x>see <b>https://teams.example.org/a</b></A >", 0 },
	{ "<abbr>https://teams.example.org/a</abbr>", "<abbr><a href=\"L1\">L1</a></abbr>", 1 },
	{ "<img alt=\"https://teams.example.org/a\">", "<img alt=\"https://teams.example.org/a\">", 0 },
	{ "<title>https://teams.example.org/a</title>", "<title>https://teams.example.org/a</title>", 0 },
	{ "<textarea><a href=https://teams.example.org/a></textarea>",
	  "<textarea><a href=https://teams.example.org/a></textarea>", 0 },
	{ "xhttps://teams.example.org/a", "xhttps://teams.example.org/a", 0 },
	{ "https://teams.example.org.evil.net/", "https://teams.example.org.evil.net/", 0 },
	/* Outlook conditionals (issue 11): their content is read as HTML; other comments are not. */
	{ "<!--[if mso]><v:roundrect href=\"https://teams.example.org/b\"><![endif]-->",
	  "<!--[if mso]><v:roundrect href=\"L1\"><![endif]-->", 1 },
	{ "<!--[if gte vml 1]><v:shape href='https://teams.example.org/p'/><![endif]-->",
	  "<!--[if gte vml 1]><v:shape href='L1'/><![endif]-->", 1 },
	{ "<!--[IF GTE MSO 9]><v:rect href=https://teams.example.org/r></v:rect><![endif]-->",
	  "<!--[IF GTE MSO 9]><v:rect href=\"L1\"></v:rect><![endif]-->", 1 },
	{ "<!--[if IE]><a href=\"https://teams.example.org/i\"><![endif]-->",
	  "<!--[if IE]><a href=\"https://teams.example.org/i\"><![endif]-->", 0 },
	{ "<!--[if --> <a href=\"https://teams.example.org/c\">", "<!--[if --> <a href=\"L1\">", 1 },
	{ "<!-- mso <a href=\"https://teams.example.org/c\"> -->", "<!-- mso <a href=\"https://teams.example.org/c\"> -->", 0 },
};

static void run_cases(const struct tcase *cases, size_t n, bool html)
{
	for (size_t k = 0; k < n; k++) {
		struct calls calls = { 0 };
		struct links_ctx ctx = { .resources = &resources, .link_fn = numbered_link, .link_ctx = &calls };
		struct buf out;
		bool ok;

		buf_init(&out, CAP_MESSAGE_BYTES);
		ok = html ? links_rewrite_html(&ctx, cases[k].in, strlen(cases[k].in), &out)
			  : links_rewrite_text(&ctx, cases[k].in, strlen(cases[k].in), &out);
		if (!ok || strcmp(out.data ? out.data : "", cases[k].want) != 0 || ctx.replaced != cases[k].replaced)
			fail_msg("%s case %zu: got \"%s\" (%zu links), want \"%s\" (%zu)", html ? "html" : "text", k,
				 out.data ? out.data : "", ctx.replaced, cases[k].want, cases[k].replaced);
		buf_release(&out);
	}
}

static void test_text_table(void **state)
{
	(void)state;
	run_cases(text_cases, sizeof(text_cases) / sizeof(text_cases[0]), false);
}

static void test_html_table(void **state)
{
	(void)state;
	run_cases(html_cases, sizeof(html_cases) / sizeof(html_cases[0]), true);
}

/* link_fn sees the decoded URL, not the attribute as written. */
static void test_html_url_decoded(void **state)
{
	struct calls calls = { 0 };
	struct links_ctx ctx = { .resources = &resources, .link_fn = numbered_link, .link_ctx = &calls };
	const char *in = "<a href=\"https://teams.example.org/p?a=1&amp;b=2&#x26;c\">";
	struct buf out;

	(void)state;
	buf_init(&out, 4096);
	assert_true(links_rewrite_html(&ctx, in, strlen(in), &out));
	assert_string_equal(calls.last, "https://teams.example.org/p?a=1&b=2&c");
	buf_release(&out);
}

/* A bare URL too: entities decoded before matching, and &nbsp; ends it. */
static void test_html_text_url_decoded(void **state)
{
	struct calls calls = { 0 };
	struct links_ctx ctx = { .resources = &resources, .link_fn = numbered_link, .link_ctx = &calls };
	const char *in = "<p>https://teams.example.org/p?a=1&amp;b=2&nbsp;x</p>";
	struct buf out;

	(void)state;
	buf_init(&out, 4096);
	assert_true(links_rewrite_html(&ctx, in, strlen(in), &out));
	assert_string_equal(calls.last, "https://teams.example.org/p?a=1&b=2");
	assert_string_equal(out.data, "<p><a href=\"L1\">L1</a>&nbsp;x</p>");
	buf_release(&out);
}

/* A meeting request: DESCRIPTION / X-ALT-DESC rewritten, escaped and folded again; the rest byte for byte. */
static void test_calendar(void **state)
{
	struct calls calls = { 0 };
	struct links_ctx ctx = { .resources = &resources, .link_fn = numbered_link, .link_ctx = &calls };
	struct buf in, out;
	const char *p;

	(void)state;
	buf_init(&in, 65536);
	buf_init(&out, 65536);
	/* A link whose accept link is short, then 2-octet characters: a fold must fall between two. */
	assert_true(buf_puts(&in, "BEGIN:VEVENT\r\nSUMMARY:https://teams.example.org/s\r\n"
				 "DESCRIPTION:a\\\\b\\, https://teams.example.org/t/x\\; x"));
	for (int k = 0; k < 60; k++)
		assert_true(buf_puts(&in, "\xc3\xa9"));
	assert_true(buf_puts(&in, "\r\nDESCRIPTION;X=1:no link\\, https://www.example.com/\r\n"
				 " folded as it was\r\nEND:VEVENT\r\n"));
	assert_true(links_rewrite_calendar(&ctx, in.data, in.len, &out));
	assert_int_equal(ctx.replaced, 1);
	assert_string_equal(calls.last, "https://teams.example.org/t/x");
	p = strstr(out.data, "DESCRIPTION:a\\\\b\\, L1\\; x\xc3\xa9");
	assert_non_null(p);
	assert_non_null(strstr(out.data, "SUMMARY:https://teams.example.org/s\r\n"));
	assert_non_null(strstr(out.data, "\r\nDESCRIPTION;X=1:no link\\, https://www.example.com/\r\n"
					 " folded as it was\r\nEND:VEVENT\r\n"));
	/* Every line of the rewritten property: at most 75 octets, no UTF-8 sequence cut. */
	for (const char *l = p; *l != '\0' && strncmp(l, "DESCRIPTION;X=1", 15) != 0;) {
		const char *e = strstr(l, "\r\n");

		assert_non_null(e);
		assert_true(e - l <= 75);
		assert_false(((unsigned char)l[l == p ? 0 : 1] & 0xC0) == 0x80);
		assert_false((unsigned char)e[-1] == 0xC3);
		l = e + 2;
	}
	buf_release(&in);
	buf_release(&out);
}

static void test_html_break_lines(void **state)
{
	struct calls calls = { 0 };
	struct links_ctx ctx = { .resources = &resources, .link_fn = numbered_link, .link_ctx = &calls,
				 .break_lines = true };
	const char *in = "<a class=x href=\"https://teams.example.org/\">y</a>";
	struct buf out;

	(void)state;
	buf_init(&out, 4096);
	assert_true(links_rewrite_html(&ctx, in, strlen(in), &out));
	assert_string_equal(out.data, "<a class=x \r\nhref=\"L1\">y</a>");
	buf_release(&out);
}

static void test_cap_links(void **state)
{
	struct calls calls = { 0 };
	struct links_ctx ctx = { .resources = &resources, .link_fn = numbered_link, .link_ctx = &calls };
	struct buf in, out;

	(void)state;
	buf_init(&in, CAP_MESSAGE_BYTES);
	buf_init(&out, CAP_MESSAGE_BYTES);
	for (unsigned k = 0; k <= CAP_LINKS; k++)
		assert_true(buf_puts(&in, "https://teams.example.org/ "));
	assert_false(links_rewrite_text(&ctx, in.data, in.len, &out));
	assert_true(ctx.too_many);
	assert_int_equal(ctx.replaced, CAP_LINKS);
	buf_release(&in);
	buf_release(&out);
}

static bool failing_link(void *ctx, const struct resource *res, const char *url, size_t len, struct buf *out)
{
	(void)ctx;
	(void)res;
	(void)url;
	(void)len;
	(void)out;
	return false;
}

static void test_link_fn_fails(void **state)
{
	struct links_ctx ctx = { .resources = &resources, .link_fn = failing_link };
	const char *t = "x https://teams.example.org/ y", *h = "<a href=\"https://teams.example.org/\">";
	struct buf out;

	(void)state;
	buf_init(&out, 4096);
	assert_false(links_rewrite_text(&ctx, t, strlen(t), &out));
	assert_false(links_rewrite_html(&ctx, h, strlen(h), &out));
	assert_false(ctx.too_many);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_html_table),
		cmocka_unit_test(test_html_url_decoded),
		cmocka_unit_test(test_html_text_url_decoded),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_html_break_lines),
		cmocka_unit_test(test_cap_links),
		cmocka_unit_test(test_link_fn_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
