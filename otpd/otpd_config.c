/*
 * otpd_config.c - the [otpd] and [oidc NAME] tables, and otpd's schema: the
 * common sections, [otpd], [oidc NAME], and the milter's sections known by
 * name (see otpd_config.h).
 *
 * Failure: as the engine (shared/config.c): the first bad line stops the
 * load with file:line and what was expected; oidc_check() then wants each
 * [oidc NAME] complete and no domain served twice.
 */
#include "otpd_config.h"

#include <assert.h>
#include <string.h>

#include "errmsg.h"
#include "milter_config.h"
#include "resource.h"

#define OFF(f) offsetof(struct otpd_config, f)
#define OFFP(f) offsetof(struct oidc_provider, f)
#define DAY (24LL * 3600)

/* The engine finds path and the common keys at the start of the struct, and stores an enum as an int. */
static_assert(offsetof(struct otpd_config, common) == 0, "common fields first");
static_assert(sizeof(enum oidc_token_auth) == sizeof(int), "an enum key is stored as an int");

/* check_listen - HOST:PORT, [V6]:PORT or unix:/path */
static bool check_listen(const char *v, char *why, size_t whysz)
{
	const char *colon = strrchr(v, ':');
	long long port;

	if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] == '/')
			return true;
	} else if (colon != NULL && colon != v && !(v[0] == '[' && colon[-1] != ']') &&
		   config_parse_number(colon + 1, &port) && port > 0 && port <= 65535) {
		return true;
	}
	return errmsg_set(why, whysz, "'%s' is not HOST:PORT, [V6]:PORT or unix:/path", v);
}

/* check_database - an absolute LMDB directory or a postgresql:// | postgres:// URI */
static bool check_database(const char *v, char *why, size_t whysz)
{
	if (strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0 || v[0] == '/')
		return true;
	/* Security: a mistyped URI may hold a password: never echo the value. */
	return errmsg_set(why, whysz, "neither an absolute directory nor a postgresql:// URI");
}

/* valid_issuer - https URL of a host (path allowed); http only to a loopback host */
static bool valid_issuer(const char *v)
{
	struct url u;
	size_t len = strlen(v);

	if (!url_parse(v, len, &u) || memchr(v, '?', len) != NULL || memchr(v, '#', len) != NULL)
		return false;
	/* Security: keys and ID tokens come from here; plain http is a test setup only. */
	return u.https || strcmp(u.host, "127.0.0.1") == 0 || strcmp(u.host, "localhost") == 0 ||
	       strcmp(u.host, "[::1]") == 0 || strcmp(u.host, "::1") == 0;
}

static bool check_issuer(const char *v, char *why, size_t whysz)
{
	if (valid_issuer(v))
		return true;
	return errmsg_set(why, whysz, "'%s' is not an https URL (http only to 127.0.0.1, ::1 or localhost)", v);
}

/* check_endpoint - empty, or a URL as the issuer */
static bool check_endpoint(const char *v, char *why, size_t whysz)
{
	return v[0] == '\0' || check_issuer(v, why, whysz);
}

/* check_scopes - space-separated scope tokens (RFC 6749 3.3), one of them openid */
static bool check_scopes(const char *v, char *why, size_t whysz)
{
	const char *p = v, *w;
	size_t len;
	bool openid = false, ok = true;

	while (ok && config_next_word(&p, &w, &len)) {
		ok = config_valid_word(w, len);
		if (len == 6 && memcmp(w, "openid", 6) == 0)
			openid = true;
	}
	if (ok && openid)
		return true;
	return errmsg_set(why, whysz, "'%s' is not a space-separated scope list with openid", v);
}

static const char *const token_auth_words[] = { "client_secret_basic", "client_secret_post", NULL };

static const struct config_key otpd_keys[] = {
	{ "listen", CONFIG_CHECKED, "127.0.0.1:8080", OFF(listen), 0, 0, 0,
	  .doc = "Where otpd listens: `HOST:PORT`, `[V6]:PORT` or `unix:/path`.", .check = check_listen },
	{ "user", CONFIG_STRING, "", OFF(otpd_user), 0, 0, 0,
	  .doc = "User to switch to after opening sockets, database and keys when started as root (required then)." },
	{ "database", CONFIG_CHECKED, "/var/lib/guestlink", OFF(database), 0, 0, 0,
	  .doc = "LMDB environment directory (one host), or a PostgreSQL URI `postgresql://USER@HOST:PORT/DBNAME` shared by several otpd hosts (see Several hosts).", .check = check_database },
	{ "database_password_file", CONFIG_STRING, "", OFF(database_password_file), 0, 0, 0,
	  .doc = "PostgreSQL only: file holding the database password on one line, mode 0600 (refused if group or others can read it); empty: none, or libpq's `PGPASSFILE`." },
	{ "smtp_url", CONFIG_STRING, "smtp://127.0.0.1:25", OFF(smtp_url), 0, 0, 0,
	  .doc = "Where code mails are sent (libcurl URL: smtp:// or smtps://)." },
	{ "mail_from", CONFIG_STRING, "", OFF(mail_from), 0, 0, CONFIG_NEED_OTPD,
	  .doc = "From: of code mails, e.g. `Example University <no-reply@example.org>`." },
	{ "code_ttl", CONFIG_DURATION, "10m", OFF(code_ttl), 1, DAY, 0,
	  .doc = "How long an emailed code is valid." },
	{ "cookie_secure", CONFIG_BOOL, "yes", OFF(cookie_secure), 0, 0, 0,
	  .doc = "Mark cookies Secure and name them `__Host-…`; `no` only for plain-http tests." },
	{ "trusted_proxies", CONFIG_CIDRS, "127.0.0.1/32 ::1/128", OFF(trusted_proxies), 0, 0, 0,
	  .doc = "Peers whose X-Forwarded-For is believed." },
	{ "mail_interval", CONFIG_DURATION, "60s", OFF(mail_interval), 0, DAY, 0,
	  .doc = "Least time between two code mails for one invitation and address (held back only while the last one's code is live, as `mails_per_hour`)." },
	{ "mails_per_hour", CONFIG_INT, "5", OFF(mails_per_hour), 1, 1000, 0,
	  .doc = "Most code mails an hour for one invitation and address. Anyone who knows the address can spend it, so it holds a mail back only while the last one's code is live (its link still works); once that code has expired one more goes: at most one mail per `code_ttl` over the limit." },
	{ "code_tries", CONFIG_INT, "5", OFF(code_tries), 1, 100, 0,
	  .doc = "Wrong tries after which a code's digits are dead (its mail link still works)." },
	{ "max_failed_tries", CONFIG_INT, "100", OFF(max_failed_tries), 1, 1000000, 0,
	  .doc = "Compared wrong codes per invitation and address (over its life; /login: 7 days) after which its "
	  "digits are no longer compared (the code mail's link still works); 100 keeps guessing <= 10^-6. "
	  "Also wrong second-factor codes (TOTP, recovery) per address, from every session: N at once, then one back "
	  "every 24h/N (at most 2N-1 in the first day, N a day after) and nothing else gives them back, so whoever "
	  "reads the guest's mail gets no more guesses with more code mails." },
	{ "ip_mails_per_hour", CONFIG_INT, "30", OFF(ip_mails_per_hour), 1, 1000000, 0,
	  .doc = "Most code mails an hour to one address asked for from one client IP (IPv6 by /64), across every invitation and /login; made-up or uninvited addresses count for nothing. No limit counts a client's mails to several addresses together: such a count tells a link holder whether another address is a guest. Redirects to a provider: as many per client, counted apart." },
	{ "ip_tries_per_hour", CONFIG_INT, "100", OFF(ip_tries_per_hour), 1, 1000000, 0,
	  .doc = "Most typed codes an hour from one client IP (IPv6 by /64); more get 429. The code mail's link is never "
	  "counted. MFA codes: as many per client IP and guest." },
	{ "session_ttl", CONFIG_DURATION, "8h", OFF(session_ttl), 60, 30 * DAY, 0,
	  .doc = "Absolute lifetime of a sign-in session: after this the guest signs in again (emailed code and authenticator)." },
	{ "session_idle", CONFIG_DURATION, "1h", OFF(session_idle), 60, 30 * DAY, 0,
	  .doc = "A session not used for this long ends (checked by `/auth`; use is recorded at most once a minute)." },
	{ "cookie_domain", CONFIG_STRING, "", OFF(cookie_domain), 0, 0, 0,
	  .doc = "Domain attribute of the session cookie, e.g. `example.org` when resources are on other hosts than otpd (their nginx `auth_request` must see the cookie); empty: host-only." },
	{ "threads", CONFIG_INT, "4", OFF(threads), 1, 256, 0,
	  .doc = "HTTP worker threads." },
	{ "write_batch", CONFIG_INT, "64", OFF(write_batch), 1, 1024, 0,
	  .doc = "Group commit: most concurrent requests whose database writes share one commit and one fsync; each still answers only after its write is durable. 1: a commit per request." },
	{ "connection_limit", CONFIG_INT, "1000", OFF(connection_limit), 1, 100000, 0,
	  .doc = "Most open HTTP connections." },
	{ "per_ip_connection_limit", CONFIG_INT, "500", OFF(per_ip_connection_limit), 0, 100000, 0,
	  .doc = "Most open HTTP connections from one peer address; 0: no limit. Behind nginx every connection comes from the proxy, so keep it near connection_limit." },
	{ "connection_timeout", CONFIG_DURATION, "30s", OFF(connection_timeout), 1, 3600, 0,
	  .doc = "Idle HTTP connections are closed after this long." },
	{ "connection_memory", CONFIG_SIZE, "64k", OFF(connection_memory), 16 * 1024, 16 * 1024 * 1024, 0,
	  .doc = "Memory libmicrohttpd may use per connection: the request's headers must fit in it with room for the answer's (bigger ones get 431; nginx's default `large_client_header_buffers 4 8k` already keeps a header line under 8 KB). libmicrohttpd 0.9.75 clears all of it after each request of a keep-alive connection, so every `/auth` pays for its size (32k: about 6 % less CPU per `/auth`, but see docs/performance.md before lowering it)." },
	{ "database_max_size", CONFIG_SIZE, "1g", OFF(database_max_size), 1024 * 1024, 1LL << 40, 0,
	  .doc = "Largest the LMDB map may grow to; beyond it writes answer 503." },
	{ "notify_inviter", CONFIG_BOOL, "yes", OFF(notify_inviter), 0, 0, 0,
	  .doc = "Mail the inviter (the token's inviter) when a guest first redeems their invitation, and when a guest they invited is disabled." },
	{ "guest_inactive_disable", CONFIG_DURATION, "90d", OFF(guest_inactive_disable), 0, 3660 * DAY, 0,
	  .doc = "A guest with no sign-in for this long is disabled by the sweeper: sessions revoked, `/auth` and `/login` refuse until a new invitation is redeemed. `0`: never." },
	{ "guest_disabled_delete", CONFIG_DURATION, "30d", OFF(guest_disabled_delete), 0, 3660 * DAY, 0,
	  .doc = "A guest disabled this long is deleted: record, TOTP secret, recovery codes (the audit lines stay). `0`: never." },
	{ "smtp_timeout", CONFIG_DURATION, "30s", OFF(smtp_timeout), 1, 600, 0,
	  .doc = "Time limit of one code mail delivery attempt." },
};

/* [oidc NAME]: any number of these, one per provider (see otpd/oidc.h). */
static const struct config_key oidc_keys[] = {
	{ "issuer", CONFIG_CHECKED, NULL, OFFP(issuer), 0, 0, 0,
	  .doc = "The provider's issuer URL, exactly as its ID tokens' `iss` (discovery: `<issuer>/.well-known/openid-configuration`). https; http only to a loopback host (tests).", .check = check_issuer },
	{ "client_id", CONFIG_STRING, NULL, OFFP(client_id), 0, 0, 0,
	  .doc = "The client id the provider gave otpd." },
	{ "client_secret_file", CONFIG_PATH, NULL, OFFP(client_secret_file), 0, 0, 0,
	  .doc = "File holding the client secret (one line), mode 0600 (refused if group or others can read it)." },
	{ "domains", CONFIG_DOMAINS, NULL, OFFP(domains), 0, 0, 0,
	  .doc = "Space-separated guest mail domains this provider signs in; exactly these (list subdomains too). A domain may belong to one provider only." },
	{ "scopes", CONFIG_CHECKED, "openid email", OFFP(scopes), 0, 0, 0,
	  .doc = "Scopes asked for; must include `openid`. The ID token must carry `email` and `email_verified`.", .check = check_scopes },
	{ "mfa_amr", CONFIG_WORDS, "mfa otp hwk swk", OFFP(mfa_amr), 0, 0, 0,
	  .doc = "`amr` values (RFC 8176) that count as multi-factor: a guest whose ID token has one of them is not asked to enrol a TOTP. Empty: never." },
	{ "mfa_acr", CONFIG_WORDS, "", OFFP(mfa_acr), 0, 0, 0,
	  .doc = "`acr` values that count as multi-factor (e.g. `http://schemas.openid.net/pape/policies/2007/06/multi-factor`). Empty: `acr` is ignored." },
	{ "token_auth", CONFIG_ENUM, "client_secret_basic", OFFP(token_auth), 0, 0, 0,
	  .doc = "How otpd authenticates at the token endpoint: `client_secret_basic` or `client_secret_post`.", .words = token_auth_words },
	{ "timeout", CONFIG_DURATION, "10s", OFFP(timeout), 1, 60, 0,
	  .doc = "Time limit of each request to the provider (discovery, keys, token)." },
	{ "token_endpoint", CONFIG_CHECKED, "", OFFP(token_endpoint), 0, 0, 0,
	  .doc = "The token endpoint to use instead of the discovery document's. Empty: the document's, which must be on the issuer's origin (scheme, host, port). Set it for a provider that keeps it on another host (Google: `https://oauth2.googleapis.com/token`). https; http only to a loopback host.", .check = check_endpoint },
	{ "jwks_uri", CONFIG_CHECKED, "", OFFP(jwks_uri), 0, 0, 0,
	  .doc = "The JWKS to use instead of the discovery document's `jwks_uri`; empty: the document's, on the issuer's origin, as for `token_endpoint` (Google: `https://www.googleapis.com/oauth2/v3/certs`).", .check = check_endpoint },
};

static const struct config_section otpd_section = {
	.name = "otpd", .keys = otpd_keys, .n_keys = sizeof(otpd_keys) / sizeof(otpd_keys[0]),
};

static const struct config_section oidc_section = {
	.name = "oidc NAME",
	.keys = oidc_keys,
	.n_keys = sizeof(oidc_keys) / sizeof(oidc_keys[0]),
	.repeated = true,
	.max_count = CAP_OIDC_PROVIDERS,
	.max_name = CAP_OIDC_NAME,
	.count_offset = OFF(n_oidc),
	.array_offset = OFF(oidc),
	.elem_size = sizeof(struct oidc_provider),
	.name_offset = OFFP(name),
	.one_per = "OpenID Connect provider",
	.see = "Organisation sign-in",
};

static const struct config_section *const otpd_sections[] = {
	&config_section_guestlink, &config_section_keys, &otpd_section, &oidc_section,
};

/* oidc_check - each [oidc NAME] complete, and no domain served twice */
static bool oidc_check(const void *c, const char *name, char *err, size_t errsz)
{
	const struct otpd_config *cfg = c;

	for (size_t i = 0; i < cfg->n_oidc; i++) {
		const struct oidc_provider *p = &cfg->oidc[i];
		const char *missing = p->issuer == NULL ? "issuer" : p->client_id == NULL || p->client_id[0] == '\0' ?
			"client_id" : p->client_secret_file == NULL ? "client_secret_file" :
			p->domains.n == 0 ? "domains" : NULL;

		if (missing != NULL)
			return errmsg_set(err, errsz, "%s: [oidc %s] %s must be set", name, p->name, missing);
		for (size_t d = 0; d < p->domains.n; d++) {
			const struct oidc_provider *q = otpd_config_oidc_for_domain(cfg, p->domains.items[d]);

			if (q != p)
				return errmsg_set(err, errsz, "%s: [oidc %s] domain %s is already served by [oidc %s]", name,
						  p->name, p->domains.items[d], q->name);
		}
	}
	return true;
}

const struct config_schema otpd_config_schema = {
	.daemon = "otpd",
	.sections = otpd_sections,
	.n_sections = sizeof(otpd_sections) / sizeof(otpd_sections[0]),
	.size = sizeof(struct otpd_config),
	.finish = oidc_check,
};

/* The file is the milter's too: its sections are accepted, their key names checked, their values not. */
static const struct config_schema *const others[] = { &milter_config_schema };

bool otpd_config_load(const char *path, struct otpd_config *cfg, char *err, size_t errsz)
{
	return config_load(&otpd_config_schema, others, 1, path, cfg, err, errsz);
}

bool otpd_config_load_string(const char *name, const char *text, struct otpd_config *cfg, char *err, size_t errsz)
{
	return config_load_string(&otpd_config_schema, others, 1, name, text, cfg, err, errsz);
}

bool otpd_config_require(const struct otpd_config *cfg, unsigned need, char *err, size_t errsz)
{
	return config_require(&otpd_config_schema, cfg, need, err, errsz);
}

void otpd_config_free(struct otpd_config *cfg)
{
	config_free(&otpd_config_schema, cfg);
}

const struct oidc_provider *otpd_config_oidc_for_domain(const struct otpd_config *cfg, const char *domain)
{
	for (size_t i = 0; i < cfg->n_oidc; i++)
		for (size_t d = 0; d < cfg->oidc[i].domains.n; d++)
			if (strcmp(cfg->oidc[i].domains.items[d], domain) == 0)
				return &cfg->oidc[i];
	return NULL;
}

void otpd_config_print_reference(FILE *out)
{
	/* The order of the reference: common, [milter], [otpd], [oidc NAME]. */
	static const struct config_schema *const all[] = { &milter_config_schema, &otpd_config_schema };

	config_print_reference(out, all, sizeof(all) / sizeof(all[0]));
}
