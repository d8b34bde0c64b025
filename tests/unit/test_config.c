/*
 * test_config - the INI file: defaults, every error names file:line, lists,
 * durations, internal domains; each daemon checks its own sections' values and
 * the other's key names only; plus address normalisation and CIDR lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "cidr.h"
#include "config.h"
#include "milter_config.h"
#include "otpd_config.h"

static const char good[] =
	"[guestlink]\n"
	"public_url = https://guest.example.org/   ; trailing slash dropped\n"
	"org_name = Example University\n"
	"internal_domains = example.org Example.NET\n"
	"[keys]\n"
	"signing_key = /k/link.key\n"
	"verify_keys = /k/\n"
	"secret = /k/otpd.secret\n"
	"guest_key = /k/guest.key\n"
	"[milter]\n"
	"resources = https://teams.example.org/\n"
	"  https://wiki.example.org/space/\n"
	"link_ttl = 2d\n"
	"trigger = link\n";

static void test_good(void **state)
{
	struct milter_config cfg;
	struct otpd_config ocfg;
	char err[512];

	(void)state;
	if (!milter_config_load_string("t.conf", good, &cfg, err, sizeof(err)))
		fail_msg("milter_config_load_string: got error %s, want success", err);
	assert_true(milter_config_require(&cfg, err, sizeof(err)));
	assert_string_equal(cfg.public_url, "https://guest.example.org");
	assert_int_equal(cfg.internal_domains.n, 2);
	assert_string_equal(cfg.internal_domains.items[1], "example.net");
	assert_int_equal(cfg.resources.n, 2);
	assert_int_equal(cfg.link_ttl, 2 * 86400);
	assert_int_equal(cfg.trigger, TRIGGER_LINK);
	assert_int_equal(cfg.max_recipients, 50);
	assert_string_equal(cfg.subject_tag, "[invite]");
	assert_int_equal(cfg.trusted_networks.n, 2);
	assert_true(config_is_internal(&cfg.common, "a@example.org"));
	assert_true(config_is_internal(&cfg.common, "a@mail.Example.org"));
	assert_false(config_is_internal(&cfg.common, "a@notexample.org"));
	assert_false(config_is_internal(&cfg.common, "a@example.org.evil.net"));
	milter_config_free(&cfg);
	/* The same file as otpd reads it: the common keys, and [otpd]'s defaults. */
	if (!otpd_config_load_string("t.conf", good, &ocfg, err, sizeof(err)))
		fail_msg("otpd_config_load_string: got error %s, want success", err);
	assert_string_equal(ocfg.public_url, "https://guest.example.org");
	assert_int_equal(ocfg.code_ttl, 600);
	assert_true(ocfg.cookie_secure);
	otpd_config_free(&ocfg);
}

/* Who refuses a case: a value is judged by the daemon whose section it is in (the other accepts it, not
 * knowing its type); names, syntax and the common sections by both. */
enum who { MILTER = 1, OTPD = 2, BOTH = MILTER | OTPD };

static const struct {
	enum who who;
	const char *text;
	const char *want;	/* the error must contain this */
} bad[] = {
	{ BOTH, "[guestlink]\nnope = 1\n", "t.conf:2: unknown key 'nope' in [guestlink]" },
	{ BOTH, "[nosuch]\nx = 1\n", "t.conf:2: unknown section [nosuch]" },
	{ BOTH, "x = 1\n", "t.conf:1: key 'x' outside a section" },
	{ MILTER, "[milter]\n\nlink_ttl = 7w\n", "t.conf:3: link_ttl: '7w' is not a duration" },
	{ MILTER, "[milter]\nlink_ttl = 5\n", "t.conf:2: link_ttl = 5 is out of range" },
	{ MILTER, "[milter]\nmax_recipients = 0\n", "t.conf:2: max_recipients = 0 is out of range" },
	{ MILTER, "[milter]\ntrigger = maybe\n", "t.conf:2: trigger: 'maybe' is neither tag nor link" },
	{ MILTER, "[milter]\ntrusted_networks = 10.0.0.0/33\n", "t.conf:2: trusted_networks: '10.0.0.0/33'" },
	{ MILTER, "[milter]\nresources = https://x.org/ teams.example.org\n", "t.conf:2: resources: 'teams.example.org'" },
	{ MILTER, "[milter]\nresources = https://x.org/a%2F..%2Fb\n",
	  "t.conf:2: resources: 'https://x.org/a%2F..%2Fb' has an encoded '/' (%2F) in the path" },
	{ MILTER, "[milter]\nresources = https://x.org//a\n", "t.conf:2: resources: 'https://x.org//a' has an empty path segment" },
	{ MILTER, "[milter]\nsocket = /tmp/sock\n", "t.conf:2: socket:" },
	{ MILTER, "[milter]\nlogin_domain = example.org mail.example.org\n", "t.conf:2: login_domain: 'example.org mail" },
	{ MILTER, "[milter]\nlogin_domain = @example.org\n", "t.conf:2: login_domain: '@example.org' is not a domain name" },
	{ MILTER, "[milter]\nlocal_submitters = staff\n", "t.conf:2: local_submitters: 'staff' is not a mail address" },
	{ MILTER, "[milter]\nlocal_submitters = a@example.org \"b c\"@example.org\n", "t.conf:2: local_submitters: '\"b'" },
	{ BOTH, "[guestlink]\npublic_url = guest.example.org\n", "t.conf:2: public_url:" },
	{ BOTH, "[guestlink]\npublic_url = https://a.org/x\n", "t.conf:2: public_url:" },
	{ BOTH, "[guestlink]\norg_name = a\norg_name = b\n", "t.conf:3: [guestlink] org_name is given twice" },
	{ BOTH, "[guestlink]\ninternal_domains = exa mple.org bad_domain\n", "t.conf:2: internal_domains: 'bad_domain'" },
	{ OTPD, "[otpd]\ncookie_secure = perhaps\n", "t.conf:2: cookie_secure: 'perhaps' is not yes or no" },
	{ OTPD, "[otpd]\nlisten = 8080\n", "t.conf:2: listen:" },
	{ BOTH, "[guestlink\n", "t.conf:1: syntax error" },
	/* The other daemon's sections: every name is checked, whoever reads the file. */
	{ BOTH, "[otpd]\nbogus_key = 1\n", "t.conf:2: unknown key 'bogus_key' in [otpd]" },
	{ BOTH, "[milter]\n\nbogus_key = 1\n", "t.conf:3: unknown key 'bogus_key' in [milter]" },
	{ BOTH, "[otpd]\nthreads = 2\nthreads = 3\n", "t.conf:3: [otpd] threads is given twice" },
	{ BOTH, "[milter]\nsubject_tag = a\nsubject_tag = b\n", "t.conf:3: [milter] subject_tag is given twice" },
	{ BOTH, "[oidc x]\nbogus = 1\n", "t.conf:2: unknown key 'bogus' in [oidc x]" },
	{ BOTH, "[oidc Bad!]\nissuer = https://idp.example\n", "t.conf:2: [oidc Bad!]: NAME must be" },
	{ BOTH, "[keys]\nguest_key = ../x\n", "t.conf:2: guest_key: '../x' is not an absolute path" },
	{ BOTH, "[keys]\nsigning_key = link.key\n", "t.conf:2: signing_key: 'link.key' is not an absolute path" },
	/* database: a directory or a postgresql:// URI; a bad value is not echoed (it may hold a password) */
	{ OTPD, "[otpd]\ndatabase = var/lib\n", "t.conf:2: database: neither an absolute directory nor a postgresql:// URI" },
	{ OTPD, "[otpd]\ndatabase = mysql://u:pw@h/db\n", "t.conf:2: database: neither an absolute directory nor a postgresql:// URI" },
	{ BOTH, "[keys]\nverify_keys = keys/\n", "t.conf:2: verify_keys:" },
};

/* load_as - load text as the milter or as otpd; true on success, err filled otherwise */
static bool load_as(enum who as, const char *text, char *err, size_t errsz)
{
	struct milter_config m;
	struct otpd_config o;
	bool ok;

	if (as == MILTER) {
		ok = milter_config_load_string("t.conf", text, &m, err, errsz);
		milter_config_free(&m);
	} else {
		ok = otpd_config_load_string("t.conf", text, &o, err, errsz);
		otpd_config_free(&o);
	}
	return ok;
}

static void test_bad(void **state)
{
	char err[512];
	int failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (enum who as = MILTER; as <= OTPD; as++) {
			const char *name = as == MILTER ? "milter" : "otpd";
			bool ok = load_as(as, bad[i].text, err, sizeof(err));

			if ((bad[i].who & as) == 0) {
				/* Not its section: the value is the other daemon's to judge. */
				if (!ok) {
					printf("case %zu as %s: got \"%s\", want success (not its section)\n", i, name, err);
					failures++;
				}
			} else if (ok) {
				printf("case %zu as %s: got success, want error containing \"%s\"\n", i, name, bad[i].want);
				failures++;
			} else if (strstr(err, bad[i].want) == NULL) {
				printf("case %zu as %s: got \"%s\", want it to contain \"%s\"\n", i, name, err, bad[i].want);
				failures++;
			}
		}
	}
	assert_int_equal(failures, 0);
}

/* test_failed_load_frees - a load that fails on a late line leaves nothing to free: the ASan run's leak
 * check fails here if the strings read before the bad line are kept (red: the milter's start with an
 * inet: socket leaked them, found by t-zz-logs under ASan) */
static void test_failed_load_frees(void **state)
{
	struct milter_config m;
	struct otpd_config o;
	char err[512];

	(void)state;
	assert_false(milter_config_load_string("t.conf", "[guestlink]\npublic_url = https://g.example\n"
					       "org_name = Example\n[milter]\nsocket = inet:1@127.0.0.1\n",
					       &m, err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf:5:"));
	assert_null(m.path);
	assert_false(otpd_config_load_string("t.conf", "[guestlink]\norg_name = Example\nnope = 1\n", &o, err,
					     sizeof(err)));
	assert_null(o.path);
}

/* test_database - both kinds of [otpd] database are taken as written (red: PostgreSQL URIs were refused as
 * relative paths after paths became absolute-only) */
static void test_database(void **state)
{
	static const char *const ok[] = { "/var/lib/guestlink", "postgresql://otpd@127.0.0.1:5432/guestlink",
					  "postgres://otpd@db.example.org/guestlink?sslmode=require" };
	char text[256], err[256];
	struct otpd_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[otpd]\ndatabase = %s\n", ok[i]);
		if (!otpd_config_load_string("t.conf", text, &cfg, err, sizeof(err)))
			fail_msg("database = %s: got error %s, want success", ok[i], err);
		if (strcmp(cfg.database, ok[i]) != 0)
			fail_msg("database = %s: got '%s'", ok[i], cfg.database);
		otpd_config_free(&cfg);
	}
	assert_true(!otpd_config_load_string("t.conf", "[otpd]\ndatabase = mysql://u:secretpw@h/db\n", &cfg, err, sizeof(err)));
	assert_null(strstr(err, "secretpw"));
	otpd_config_free(&cfg);
}

static void test_require(void **state)
{
	static const char both[] = "[guestlink]\npublic_url = https://g.example.org\ninternal_domains = example.org\n"
				   "[keys]\nsigning_key = /k/link.key\nverify_keys = /k/\nsecret = /k/s\n"
				   "[milter]\nresources = https://teams.example.org/\n[otpd]\nmail_from = a@example.org\n";
	struct milter_config cfg;
	struct otpd_config ocfg;
	char err[512];

	(void)state;
	assert_true(milter_config_load_string("t.conf", "[guestlink]\norg_name = x\n", &cfg, err, sizeof(err)));
	assert_false(milter_config_require(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "t.conf: [guestlink] public_url must be set"));
	milter_config_free(&cfg);
	/* Without the guest key neither the milter nor otpd starts: links would carry guessable guests. */
	assert_true(milter_config_load_string("t.conf", both, &cfg, err, sizeof(err)));
	assert_false(milter_config_require(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "guest_key"));
	milter_config_free(&cfg);
	assert_true(otpd_config_load_string("t.conf", both, &ocfg, err, sizeof(err)));
	assert_false(otpd_config_require(&ocfg, CONFIG_NEED_OTPD, err, sizeof(err)));
	assert_non_null(strstr(err, "guest_key"));
	assert_true(otpd_config_require(&ocfg, CONFIG_NEED_VERIFY, err, sizeof(err)));
	assert_null(ocfg.guest_key_previous);
	otpd_config_free(&ocfg);
}

static void test_missing_file(void **state)
{
	struct milter_config cfg;
	struct otpd_config ocfg;
	char err[512];

	(void)state;
	assert_false(milter_config_load("/nonexistent/guestlink.conf", &cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/guestlink.conf: cannot open"));
	milter_config_free(&cfg);
	assert_false(otpd_config_load("/nonexistent/guestlink.conf", &ocfg, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/guestlink.conf: cannot open"));
	otpd_config_free(&ocfg);
}

static void test_durations(void **state)
{
	static const struct { const char *in; long long want; bool ok; } d[] = {
		{ "90", 90, true }, { "90s", 90, true }, { "10m", 600, true }, { "2h", 7200, true },
		{ "7d", 604800, true }, { "7D", 604800, true }, { "", 0, false }, { "m", 0, false },
		{ "1.5h", 0, false }, { "-1", 0, false }, { "10mm", 0, false },
		{ "99999999999999999999", 0, false },
	};
	long long v;

	(void)state;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		bool ok = config_parse_duration(d[i].in, &v);

		if (ok != d[i].ok || (ok && v != d[i].want))
			fail_msg("duration %s: got %d/%lld, want %d/%lld", d[i].in, ok, ok ? v : 0, d[i].ok, d[i].want);
	}
}

static void test_addr(void **state)
{
	static const struct { const char *in; const char *want; } a[] = {
		{ "<Guest@Gmail.COM>", "guest@gmail.com" }, { " a.b+c@example.org ", "a.b+c@example.org" },
		{ "a@b", NULL }, { "a@@b.org", NULL }, { "a b@c.org", NULL }, { "a@c.org\r\nBcc: x@y.z", NULL },
		{ "\"a\"@c.org", NULL }, { "a@.c.org", NULL }, { "a@c.org.", NULL }, { "@c.org", NULL },
		{ "a@c..org", NULL }, { "<>", NULL }, { "a,b@c.org", NULL },
	};
	char out[ADDR_BUF];

	(void)state;
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		bool ok = addr_normalize(a[i].in, strlen(a[i].in), out);

		if (ok != (a[i].want != NULL) || (ok && strcmp(out, a[i].want) != 0))
			fail_msg("addr_normalize(%s): got %s, want %s", a[i].in, ok ? out : "(refused)",
				 a[i].want ? a[i].want : "(refused)");
	}
}

static void test_cidr(void **state)
{
	struct cidr_list l = { 0 };

	(void)state;
	assert_true(cidr_parse("192.0.2.0/24", &l.items[l.n++]));
	assert_true(cidr_parse("2001:db8::/32", &l.items[l.n++]));
	assert_true(cidr_parse("127.0.0.1", &l.items[l.n++]));
	assert_true(cidr_list_match(&l, "192.0.2.77"));
	assert_true(cidr_list_match(&l, "::ffff:192.0.2.1"));
	assert_true(cidr_list_match(&l, "[2001:db8:1::5]"));
	assert_true(cidr_list_match(&l, "IPv6:2001:db8::1"));
	assert_true(cidr_list_match(&l, "127.0.0.1"));
	assert_false(cidr_list_match(&l, "127.0.0.2"));
	assert_false(cidr_list_match(&l, "192.0.3.1"));
	assert_false(cidr_list_match(&l, "2001:db9::1"));
	assert_false(cidr_list_match(&l, "not an address"));
	assert_false(cidr_parse("1.2.3.4/", &l.items[0]));
	assert_false(cidr_parse("::1/129", &l.items[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_failed_load_frees),
		cmocka_unit_test(test_database),
		cmocka_unit_test(test_require),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_cidr),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
