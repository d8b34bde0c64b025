/*
 * test_config_oidc - [oidc NAME] sections: any number, defaults, every bad
 * value named with file:line, required keys, a domain served twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter_config.h"
#include "otpd_config.h"

static const char good[] =
	"[guestlink]\n"
	"public_url = https://guest.example.org\n"
	"[oidc partner-uni]\n"
	"issuer = https://login.partner.example/realms/staff\n"
	"client_id = guestlink\n"
	"client_secret_file = /etc/guestlink/keys/partner.secret\n"
	"domains = Partner.example mail.partner.example\n"
	"[oidc other_uni]\n"
	"issuer = http://127.0.0.1:4593/api/oidc\n"
	"client_id = otpd\n"
	"client_secret_file = /k/other.secret\n"
	"domains = other.example\n"
	"scopes = openid email profile\n"
	"mfa_amr =\n"
	"mfa_acr = urn:mace:incommon:iap:silver  phr\n"
	"token_auth = client_secret_post\n"
	"timeout = 5s\n";

static void test_good(void **state)
{
	struct otpd_config cfg;
	char err[512];
	const struct oidc_provider *p;

	(void)state;
	if (!otpd_config_load_string("t.conf", good, &cfg, err, sizeof(err)))
		fail_msg("config_load_string: got error %s, want success", err);
	assert_int_equal(cfg.n_oidc, 2);
	p = &cfg.oidc[0];
	assert_string_equal(p->name, "partner-uni");
	assert_string_equal(p->issuer, "https://login.partner.example/realms/staff");
	assert_string_equal(p->client_id, "guestlink");
	assert_int_equal(p->domains.n, 2);
	assert_string_equal(p->domains.items[0], "partner.example");
	assert_string_equal(p->scopes, "openid email");
	assert_int_equal(p->mfa_amr.n, 4);
	assert_string_equal(p->mfa_amr.items[0], "mfa");
	assert_int_equal(p->mfa_acr.n, 0);
	assert_int_equal(p->token_auth, OIDC_AUTH_BASIC);
	assert_int_equal(p->timeout, 10);
	p = &cfg.oidc[1];
	assert_string_equal(p->scopes, "openid email profile");
	assert_int_equal(p->mfa_amr.n, 0);
	assert_int_equal(p->mfa_acr.n, 2);
	assert_string_equal(p->mfa_acr.items[1], "phr");
	assert_int_equal(p->token_auth, OIDC_AUTH_POST);
	assert_int_equal(p->timeout, 5);

	/* Exactly the listed domains: no subdomains, no look-alikes. */
	assert_ptr_equal(otpd_config_oidc_for_domain(&cfg, "partner.example"), &cfg.oidc[0]);
	assert_ptr_equal(otpd_config_oidc_for_domain(&cfg, "mail.partner.example"), &cfg.oidc[0]);
	assert_null(otpd_config_oidc_for_domain(&cfg, "x.partner.example"));
	assert_null(otpd_config_oidc_for_domain(&cfg, "partner.example.evil.net"));
	assert_ptr_equal(otpd_config_oidc_for_domain(&cfg, "other.example"), &cfg.oidc[1]);
	otpd_config_free(&cfg);
	assert_int_equal(cfg.n_oidc, 0);
}

/* test_milter - the milter reads the same file: [oidc NAME] is otpd's, so its values are not judged there
 * (its struct has no providers), but its key names are */
static void test_milter(void **state)
{
	struct milter_config m;
	char err[512];

	(void)state;
	if (!milter_config_load_string("t.conf", good, &m, err, sizeof(err)))
		fail_msg("milter: got error %s, want success", err);
	assert_string_equal(m.public_url, "https://guest.example.org");
	milter_config_free(&m);
	assert_true(milter_config_load_string("t.conf", "[oidc x]\nissuer = http://idp.example\ntimeout = 0\n", &m, err,
					      sizeof(err)));
	milter_config_free(&m);
	assert_false(milter_config_load_string("t.conf", "[oidc x]\nissuer = https://i.example\nnope = 1\n", &m, err,
					       sizeof(err)));
	assert_non_null(strstr(err, "t.conf:3: unknown key 'nope' in [oidc x]"));
	milter_config_free(&m);
	assert_false(milter_config_load_string("t.conf", "[oidc x]\nclient_id = a\nclient_id = b\n", &m, err,
					       sizeof(err)));
	assert_non_null(strstr(err, "t.conf:3: [oidc x] client_id is given twice"));
	milter_config_free(&m);
}

static void test_none(void **state)
{
	struct otpd_config cfg;
	char err[512];

	(void)state;
	assert_true(otpd_config_load_string("t.conf", "[guestlink]\norg_name = x\n", &cfg, err, sizeof(err)));
	assert_int_equal(cfg.n_oidc, 0);
	assert_null(otpd_config_oidc_for_domain(&cfg, "example.org"));
	otpd_config_free(&cfg);
}

#define HEAD "[oidc x]\nissuer = https://idp.example\nclient_id = c\nclient_secret_file = /s\ndomains = a.example\n"

static const struct {
	const char *text;
	const char *want;	/* the error must contain this */
} bad[] = {
	{ HEAD "bogus = 1\n", "t.conf:6: unknown key 'bogus' in [oidc x]" },
	{ "[oidc Bad!]\nissuer = https://idp.example\n", "t.conf:2: [oidc Bad!]: NAME must be" },
	{ "[oidc ]\nissuer = https://idp.example\n", "t.conf:2: [oidc ]: NAME must be" },
	{ "[oidc x]\nissuer = http://idp.example\n", "t.conf:2: issuer: 'http://idp.example' is not an https URL" },
	{ "[oidc x]\nissuer = idp.example\n", "t.conf:2: issuer: 'idp.example' is not an https URL" },
	{ "[oidc x]\nissuer = https://idp.example/?a=b\n", "t.conf:2: issuer:" },
	{ HEAD "scopes = email profile\n", "t.conf:6: scopes: 'email profile' is not a space-separated scope list with openid" },
	{ HEAD "token_auth = private_key_jwt\n", "t.conf:6: token_auth: 'private_key_jwt' is neither" },
	{ HEAD "token_endpoint = http://evil.example/token\n", "t.conf:6: token_endpoint: 'http://evil.example/token' is not an https URL" },
	{ HEAD "jwks_uri = file:///etc/keys\n", "t.conf:6: jwks_uri: 'file:///etc/keys' is not an https URL" },
	{ HEAD "jwks_uri = oauth2.example/certs\n", "t.conf:6: jwks_uri:" },
	{ HEAD "timeout = 0\n", "t.conf:6: timeout = 0 is out of range" },
	{ HEAD "timeout = 2m\n", "t.conf:6: timeout = 2m is out of range" },
	{ HEAD "domains = b_c.example\n", "t.conf:6: domains: 'b_c.example' is not a domain name" },
	{ HEAD "client_id = d\n", "t.conf:6: [oidc x] client_id is given twice" },
	{ HEAD "mfa_amr = mfa \"otp\"\n", "t.conf:6: mfa_amr: '\"otp\"' is not a claim value" },
	{ "[oidc x]\nclient_secret_file =\n", "t.conf:2: client_secret_file: empty path" },
	{ "[oidc x]\nclient_id = c\nclient_secret_file = /s\ndomains = a.example\n", "t.conf: [oidc x] issuer must be set" },
	{ "[oidc x]\nissuer = https://i.example\nclient_secret_file = /s\ndomains = a.example\n",
	  "t.conf: [oidc x] client_id must be set" },
	{ "[oidc x]\nissuer = https://i.example\nclient_id = c\ndomains = a.example\n",
	  "t.conf: [oidc x] client_secret_file must be set" },
	{ "[oidc x]\nissuer = https://i.example\nclient_id = c\nclient_secret_file = /s\n",
	  "t.conf: [oidc x] domains must be set" },
	{ HEAD "[oidc y]\nissuer = https://j.example\nclient_id = c\nclient_secret_file = /s\ndomains = b.example A.example\n",
	  "t.conf: [oidc y] domain a.example is already served by [oidc x]" },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct otpd_config cfg;
		char err[512] = "";
		bool ok = otpd_config_load_string("t.conf", bad[i].text, &cfg, err, sizeof(err));

		otpd_config_free(&cfg);
		if (ok)
			fail_msg("case %zu: got success, want error containing \"%s\"", i, bad[i].want);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want it to contain \"%s\"", i, err, bad[i].want);
	}
}

static void test_many(void **state)
{
	char text[64 * 1024];
	size_t off = 0;
	struct otpd_config cfg;
	char err[512];

	(void)state;
	/* CAP_OIDC_PROVIDERS sections load; one more is an error. */
	for (unsigned i = 0; i <= CAP_OIDC_PROVIDERS; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"[oidc p%u]\nissuer = https://idp%u.example\nclient_id = c\n"
					"client_secret_file = /s\ndomains = d%u.example\n", i, i, i);
	assert_false(otpd_config_load_string("t.conf", text, &cfg, err, sizeof(err)));
	otpd_config_free(&cfg);
	assert_non_null(strstr(err, "too many [oidc NAME] sections"));
	*strstr(text, "[oidc p32]") = '\0';
	if (!otpd_config_load_string("t.conf", text, &cfg, err, sizeof(err)))
		fail_msg("got %s, want %u providers", err, CAP_OIDC_PROVIDERS);
	assert_int_equal(cfg.n_oidc, CAP_OIDC_PROVIDERS);
	otpd_config_free(&cfg);
}

static void test_reference(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	otpd_config_print_reference(f);
	fclose(f);
	assert_non_null(strstr(text, "### [oidc NAME]"));
	assert_non_null(strstr(text, "| `client_secret_file` | (required) |"));
	assert_non_null(strstr(text, "| `mfa_amr` | `mfa otp hwk swk` |"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_milter),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
