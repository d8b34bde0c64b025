/*
 * test_otpd_signin_finish - the identity check every sign-in ends with
 * (otpd/signin_finish.c): provider section x asserted address x typed
 * address -> who signs in, or why not. Two providers: "partner" serves
 * partner.example and mail.partner.example, "evil" serves evil.example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "signin_finish.h"

static char *partner_domains[] = { "partner.example", "mail.partner.example" };
static char *evil_domains[] = { "evil.example" };
static struct otpd_config cfg;

struct id_case {
	const char *provider;	/* NULL: a code or MFA sign-in */
	const char *asserted;
	const char *typed;
	enum finish_result want;
	const char *want_addr;	/* on FINISH_OK */
};

static const struct id_case cases[] = {
	/* the right guest */
	{ "partner", "alice@partner.example", "alice@partner.example", FINISH_OK, "alice@partner.example" },
	{ "partner", "Alice@PARTNER.example", "alice@partner.example", FINISH_OK, "alice@partner.example" },
	{ "partner", "alice@partner.example", " <ALICE@Partner.Example> ", FINISH_OK, "alice@partner.example" },
	{ "partner", "bob@mail.partner.example", "bob@mail.partner.example", FINISH_OK, "bob@mail.partner.example" },
	{ "evil", "mallory@evil.example", "mallory@evil.example", FINISH_OK, "mallory@evil.example" },
	/* finding 1: a provider speaking for a domain it does not serve */
	{ "evil", "victim@example.net", "mallory@evil.example", FINISH_FOREIGN_DOMAIN, NULL },
	{ "evil", "victim@example.net", "victim@example.net", FINISH_FOREIGN_DOMAIN, NULL },
	{ "evil", "alice@partner.example", "alice@partner.example", FINISH_FOREIGN_DOMAIN, NULL },
	{ "partner", "mallory@evil.example", "mallory@evil.example", FINISH_FOREIGN_DOMAIN, NULL },
	{ "unknown", "alice@partner.example", "alice@partner.example", FINISH_FOREIGN_DOMAIN, NULL },
	/* subdomains count only when listed; no suffix games */
	{ "partner", "alice@x.partner.example", "alice@x.partner.example", FINISH_FOREIGN_DOMAIN, NULL },
	{ "partner", "alice@partner.example.evil.example", "alice@partner.example.evil.example",
	  FINISH_FOREIGN_DOMAIN, NULL },
	{ "partner", "alice@notpartner.example", "alice@notpartner.example", FINISH_FOREIGN_DOMAIN, NULL },
	{ "evil", "alice@evil.example@partner.example", "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	/* the one normaliser takes no 8-bit bytes: unicode look-alikes (Cyrillic e, dotted I) are refused */
	{ "partner", "alice@partn\xd0\xb5r.example", "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	{ "partner", "al\xc4\xb0" "ce@partner.example", "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	/* finding 1: the served domain, but not the address typed at the email step */
	{ "partner", "bob@partner.example", "alice@partner.example", FINISH_NOT_TYPED, NULL },
	{ "partner", "alice@mail.partner.example", "alice@partner.example", FINISH_NOT_TYPED, NULL },
	{ "partner", "alice+x@partner.example", "alice@partner.example", FINISH_NOT_TYPED, NULL },
	/* not addresses */
	{ "partner", "", "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	{ "partner", "alice", "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	{ "partner", "alice@partner.example\r\nBcc: x@y", "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	{ "partner", NULL, "alice@partner.example", FINISH_BAD_ADDRESS, NULL },
	{ "partner", "alice@partner.example", "", FINISH_BAD_ADDRESS, NULL },
	/* code and MFA sign-ins: the typed address (the code went there); an assertion is ignored */
	{ NULL, NULL, "Guest@Gmail.com", FINISH_OK, "guest@gmail.com" },
	{ NULL, "victim@example.net", "guest@gmail.com", FINISH_OK, "guest@gmail.com" },
	{ NULL, NULL, "not an address", FINISH_BAD_ADDRESS, NULL },
};

static void test_identity_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct id_case *c = &cases[i];
		char addr[ADDR_BUF];
		enum finish_result got;

		memset(addr, 'x', sizeof(addr));
		got = signin_finish_identity(&cfg, c->provider, c->asserted, c->typed, addr);
		if (got != c->want)
			fail_msg("case %zu (%s, %s, typed %s): got %s, want %s", i, c->provider ? c->provider : "-",
				 c->asserted ? c->asserted : "-", c->typed, signin_finish_word(got),
				 signin_finish_word(c->want));
		if (got == FINISH_OK && strcmp(addr, c->want_addr) != 0)
			fail_msg("case %zu: got address %s, want %s", i, addr, c->want_addr);
		if (got != FINISH_OK && addr[0] != '\0')
			fail_msg("case %zu: refused, but the address is '%s', want ''", i, addr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_table),
	};

	cfg.n_oidc = 2;
	cfg.oidc[0].name = "partner";
	cfg.oidc[0].domains.n = 2;
	cfg.oidc[0].domains.items = partner_domains;
	cfg.oidc[1].name = "evil";
	cfg.oidc[1].domains.n = 1;
	cfg.oidc[1].domains.items = evil_domains;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
