/*
 * test_otpd_cookie - cookie_get (otpd/form.c), the one Cookie header parser:
 * a name sent twice is no cookie, whichever value comes first (a cookie
 * planted by a sibling host beside otpd's own must not win); prefixes and
 * look-alike names are other cookies; a header of more than CAP_HTTP_COOKIES
 * cookies gives none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "form.h"

struct cookie_case {
	const char *header;
	const char *name;
	const char *want;	/* NULL: absent */
};

static const struct cookie_case cases[] = {
	{ "guestlink_csrf=abc", "guestlink_csrf", "abc" },
	{ "a=1; guestlink_csrf=abc; b=2", "guestlink_csrf", "abc" },
	{ "guestlink_csrf=\"abc\"", "guestlink_csrf", "abc" },
	{ "  guestlink_csrf=abc  ", "guestlink_csrf", "abc" },
	{ "guestlink_csrf=", "guestlink_csrf", "" },
	/* the same name twice: planted beside ours, in either order, or the same value twice */
	{ "guestlink_csrf=planted; guestlink_csrf=ours", "guestlink_csrf", NULL },
	{ "guestlink_csrf=ours; guestlink_csrf=planted", "guestlink_csrf", NULL },
	{ "guestlink_csrf=x; a=1; guestlink_csrf=x", "guestlink_csrf", NULL },
	{ "guestlink_session=s1;guestlink_session=s2", "guestlink_session", NULL },
	{ "__Host-guestlink_csrf=a; __Host-guestlink_csrf=b", "__Host-guestlink_csrf", NULL },
	/* other names are other cookies */
	{ "guestlink_csrf=plain; __Host-guestlink_csrf=host", "__Host-guestlink_csrf", "host" },
	{ "__Host-guestlink_csrf=host; guestlink_csrf=plain", "guestlink_csrf", "plain" },
	{ "xguestlink_csrf=a; guestlink_csrfx=b", "guestlink_csrf", NULL },
	{ "guestlink_csrfx=b; guestlink_csrf=a", "guestlink_csrf", "a" },
	{ "", "guestlink_csrf", NULL },
	/* past CAP_HTTP_COOKIES (32) nothing is believed: a planted cookie, fillers, then ours (finding 02) */
	{ "guestlink_session=planted; f0=x; f1=x; f2=x; f3=x; f4=x; f5=x; f6=x; f7=x; f8=x; f9=x; f10=x; f11=x; f12=x; f13=x; f14=x; f15=x; f16=x; f17=x; f18=x; f19=x; f20=x; f21=x; f22=x; f23=x; f24=x; f25=x; f26=x; f27=x; f28=x; f29=x; f30=x; guestlink_session=ours", "guestlink_session", NULL },
	{ "f0=x; f1=x; f2=x; f3=x; f4=x; f5=x; f6=x; f7=x; f8=x; f9=x; f10=x; f11=x; f12=x; f13=x; f14=x; f15=x; f16=x; f17=x; f18=x; f19=x; f20=x; f21=x; f22=x; f23=x; f24=x; f25=x; f26=x; f27=x; f28=x; f29=x; f30=x; f31=x; f32=x; f33=x; f34=x; f35=x; f36=x; f37=x; f38=x; f39=x; guestlink_session=ours", "guestlink_session", NULL },
	/* exactly 32 cookies: still read */
	{ "f0=x; f1=x; f2=x; f3=x; f4=x; f5=x; f6=x; f7=x; f8=x; f9=x; f10=x; f11=x; f12=x; f13=x; f14=x; f15=x; f16=x; f17=x; f18=x; f19=x; f20=x; f21=x; f22=x; f23=x; f24=x; f25=x; f26=x; f27=x; f28=x; f29=x; a=1; guestlink_session=ours", "guestlink_session", "ours" },
	/* too long for the buffer: absent */
	{ "guestlink_csrf=0123456789abcdef0123456789abcdef", "guestlink_csrf", NULL },
};

static void test_cookie_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cookie_case *c = &cases[i];
		char out[24];
		bool got = cookie_get(c->header, c->name, out, sizeof(out));

		if (got != (c->want != NULL))
			fail_msg("case %zu (%s in '%s'): got %s, want %s", i, c->name, c->header,
				 got ? out : "absent", c->want ? c->want : "absent");
		if (got && strcmp(out, c->want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, out, c->want);
	}
	if (cookie_get(NULL, "guestlink_csrf", (char[8]){ 0 }, 8))
		fail_msg("no header: got a cookie, want none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
