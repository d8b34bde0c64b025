/*
 * config.c - table-driven INI parsing with libinih (see config.h).
 *
 * Failure: the first bad line stops parsing; the message names file:line
 * and what was expected. Defaults go through the same parsers as the file,
 * so a default can never be a value the file could not hold.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "caps.h"
#include "errmsg.h"

enum cfg_type {
	CFG_STRING,	/* free text */
	CFG_PATH,	/* a file or directory name */
	CFG_DATABASE,	/* an LMDB directory (absolute) or a postgresql:// | postgres:// URI */
	CFG_BASE_URL,	/* http(s) URL, trailing '/' dropped */
	CFG_DOMAINS,	/* space-separated domain names */
	CFG_CIDRS,	/* space-separated networks */
	CFG_RESOURCES,	/* space-separated URL prefixes */
	CFG_DURATION,	/* seconds with s/m/h/d */
	CFG_SIZE,	/* bytes with k/m/g */
	CFG_INT,
	CFG_BOOL,
	CFG_TRIGGER,	/* tag | link */
	CFG_SOCKET,	/* unix:/path | inet:port@host | inet6:port@host */
	CFG_LISTEN,	/* host:port | [v6]:port | unix:/path */
	CFG_WORDS,	/* space-separated words (amr/acr values) */
	CFG_ISSUER,	/* https URL (http only to a loopback host), kept verbatim */
	CFG_ENDPOINT,	/* empty, or a URL as CFG_ISSUER */
	CFG_SCOPES,	/* space-separated OAuth scopes, must hold openid */
	CFG_TOKEN_AUTH,	/* client_secret_basic | client_secret_post */
	CFG_DOMAIN,	/* one domain name, or empty */
	CFG_ADDRESSES,	/* space-separated mail addresses, normalized */
};

/* A def's offset is into struct config, or for the oidc_defs into struct oidc_provider. */
struct cfg_def {
	const char *section;
	const char *name;
	enum cfg_type type;
	const char *dflt;	/* NULL: no default */
	size_t offset;
	long long min, max;	/* for DURATION, SIZE, INT */
	unsigned need;		/* config_need bits that require it */
	const char *doc;
};

#define OFF(f) offsetof(struct config, f)
#define DAY (24LL * 3600)

static const struct cfg_def cfg_defs[] = {
	{ "guestlink", "public_url", CFG_BASE_URL, NULL, OFF(public_url), 0, 0,
	  CONFIG_NEED_MILTER | CONFIG_NEED_OTPD,
	  "Where guests reach otpd (through nginx); accept links are `<public_url>/accept/<token>`." },
	{ "guestlink", "org_name", CFG_STRING, "", OFF(org_name), 0, 0, 0,
	  "The organisation's name as guests see it in the footer, pages and code mails." },
	{ "guestlink", "privacy_url", CFG_STRING, "", OFF(privacy_url), 0, 0, 0,
	  "The organisation's privacy statement, linked from the privacy page. Every guest sees that page (what is kept, for how long) and accepts it once, before the first sign-in finishes; empty: the page has no link." },
	{ "guestlink", "internal_domains", CFG_DOMAINS, NULL, OFF(internal_domains), 0, 0,
	  CONFIG_NEED_MILTER,
	  "Space-separated mail domains of the organisation; subdomains included. Recipients outside them are guests." },
	{ "keys", "signing_key", CFG_PATH, NULL, OFF(signing_key), 0, 0, CONFIG_NEED_MILTER,
	  "Ed25519 secret key file (milter only), mode 0600, from `otpctl keygen`." },
	{ "keys", "verify_keys", CFG_PATH, NULL, OFF(verify_keys), 0, 0,
	  CONFIG_NEED_OTPD | CONFIG_NEED_VERIFY,
	  "Directory of public keys, one `<kid>.pub` file per key id (otpd, otpctl)." },
	{ "keys", "secret", CFG_PATH, NULL, OFF(secret), 0, 0, CONFIG_NEED_OTPD,
	  "32 random bytes for keyed hashes and cookies (otpd), mode 0600." },
	{ "keys", "guest_key", CFG_PATH, NULL, OFF(guest_key), 0, 0, CONFIG_NEED_MILTER | CONFIG_NEED_OTPD,
	  "32 random bytes that key the guest hashes in links (milter and otpd: the same file on both hosts), mode 0600, from `otpctl keygen`. Without it a link does not tell who is invited." },
	{ "keys", "guest_key_previous", CFG_PATH, NULL, OFF(guest_key_previous), 0, 0, 0,
	  "The guest key before the last rotation (otpd, otpctl): links made with it keep their guests until they expire. Unset: none." },
	{ "milter", "socket", CFG_SOCKET, "unix:/run/guestlink/milter.sock", OFF(socket), 0, 0, 0,
	  "Where the milter listens: `unix:/path` (recommended) or `inet:PORT@HOST`." },
	{ "milter", "user", CFG_STRING, "", OFF(milter_user), 0, 0, 0,
	  "User to switch to after opening the socket and key when started as root (required then)." },
	{ "milter", "trusted_networks", CFG_CIDRS, "127.0.0.1/32 ::1/128", OFF(trusted_networks), 0, 0, 0,
	  "Client networks whose mail counts as staff mail besides SMTP-authenticated senders." },
	{ "milter", "login_domain", CFG_DOMAIN, "", OFF(login_domain), 0, 0, 0,
	  "Domain appended to an SMTP AUTH login that is not an address (`alice` becomes `alice@DOMAIN`) to name the inviter; a login with `@` is the inviter as it is. Empty: an invitation from a bare login is refused (550 5.7.1)." },
	{ "milter", "local_submitters", CFG_ADDRESSES, "", OFF(local_submitters), 0, 0, 0,
	  "Envelope senders allowed to send invitations with the local `sendmail` command (`non_smtpd_milters`); pair with Postfix's `local_login_sender_maps` so a local user cannot pick another's. Empty: local invitations are refused (550 5.7.1)." },
	{ "milter", "subject_tag", CFG_STRING, "[invite]", OFF(subject_tag), 0, 0, 0,
	  "Subject tag that marks an invitation (case-insensitive); removed from the subject." },
	{ "milter", "trigger", CFG_TRIGGER, "tag", OFF(trigger), 0, 0, 0,
	  "`tag`: only tagged mail is an invitation; `link`: any staff mail to a guest with a resource link." },
	{ "milter", "resources", CFG_RESOURCES, NULL, OFF(resources), 0, 0, CONFIG_NEED_MILTER,
	  "Space-separated URL prefixes of resources guests may be invited to." },
	{ "milter", "link_ttl", CFG_DURATION, "7d", OFF(link_ttl), 60, 366 * DAY, 0,
	  "How long an accept link stays valid." },
	{ "milter", "max_recipients", CFG_INT, "50", OFF(max_recipients), 1, CAP_GUESTS, 0,
	  "Most guests in one invitation; more is refused with a 5xx that says so." },
	{ "milter", "max_message_size", CFG_SIZE, "32m", OFF(max_message_size), 64 * 1024, CAP_MESSAGE_BYTES, 0,
	  "Largest invitation the milter rewrites; a larger one is refused with 552 5.3.4." },
	{ "milter", "otpd_url", CFG_STRING, "", OFF(otpd_url), 0, 0, 0,
	  "Where the milter reports each invitation (otpd's base URL, e.g. `http://127.0.0.1:8080`); empty: no reports. Best effort, 2 s timeout." },
	{ "otpd", "listen", CFG_LISTEN, "127.0.0.1:8080", OFF(listen), 0, 0, 0,
	  "Where otpd listens: `HOST:PORT`, `[V6]:PORT` or `unix:/path`." },
	{ "otpd", "user", CFG_STRING, "", OFF(otpd_user), 0, 0, 0,
	  "User to switch to after opening sockets, database and keys when started as root (required then)." },
	{ "otpd", "database", CFG_DATABASE, "/var/lib/guestlink", OFF(database), 0, 0, 0,
	  "LMDB environment directory (one host), or a PostgreSQL URI `postgresql://USER@HOST:PORT/DBNAME` shared by several otpd hosts (see Several hosts)." },
	{ "otpd", "database_password_file", CFG_STRING, "", OFF(database_password_file), 0, 0, 0,
	  "PostgreSQL only: file holding the database password on one line, mode 0600 (refused if group or others can read it); empty: none, or libpq's `PGPASSFILE`." },
	{ "otpd", "smtp_url", CFG_STRING, "smtp://127.0.0.1:25", OFF(smtp_url), 0, 0, 0,
	  "Where code mails are sent (libcurl URL: smtp:// or smtps://)." },
	{ "otpd", "mail_from", CFG_STRING, "", OFF(mail_from), 0, 0, CONFIG_NEED_OTPD,
	  "From: of code mails, e.g. `Example University <no-reply@example.org>`." },
	{ "otpd", "code_ttl", CFG_DURATION, "10m", OFF(code_ttl), 1, DAY, 0,
	  "How long an emailed code is valid." },
	{ "otpd", "cookie_secure", CFG_BOOL, "yes", OFF(cookie_secure), 0, 0, 0,
	  "Mark cookies Secure and name them `__Host-…`; `no` only for plain-http tests." },
	{ "otpd", "trusted_proxies", CFG_CIDRS, "127.0.0.1/32 ::1/128", OFF(trusted_proxies), 0, 0, 0,
	  "Peers whose X-Forwarded-For is believed." },
	{ "otpd", "mail_interval", CFG_DURATION, "60s", OFF(mail_interval), 0, DAY, 0,
	  "Least time between two code mails for one invitation and address." },
	{ "otpd", "mails_per_hour", CFG_INT, "5", OFF(mails_per_hour), 1, 1000, 0,
	  "Most code mails an hour for one invitation and address." },
	{ "otpd", "code_tries", CFG_INT, "5", OFF(code_tries), 1, 100, 0,
	  "Wrong tries after which a code's digits are dead (its mail link still works)." },
	{ "otpd", "max_failed_tries", CFG_INT, "100", OFF(max_failed_tries), 1, 1000000, 0,
	  "Compared wrong codes per invitation and address (over its life; /login: 7 days) after which its "
	  "digits are no longer compared (the code mail's link still works); 100 keeps guessing <= 10^-6. "
	  "Also wrong MFA codes per address before a newer emailed code is needed." },
	{ "otpd", "ip_mails_per_hour", CFG_INT, "30", OFF(ip_mails_per_hour), 1, 1000000, 0,
	  "Most code mails an hour sent on the requests of one client IP (IPv6 by /64); email steps that send no "
	  "mail (made-up or uninvited addresses) count for nothing. Redirects to a provider: as many, counted apart." },
	{ "otpd", "ip_tries_per_hour", CFG_INT, "100", OFF(ip_tries_per_hour), 1, 1000000, 0,
	  "Most typed codes an hour from one client IP (IPv6 by /64); more get 429. The code mail's link is never "
	  "counted. MFA codes: as many per client IP and guest." },
	{ "otpd", "session_ttl", CFG_DURATION, "8h", OFF(session_ttl), 60, 30 * DAY, 0,
	  "Absolute lifetime of a sign-in session: after this the guest signs in again (emailed code and authenticator)." },
	{ "otpd", "session_idle", CFG_DURATION, "1h", OFF(session_idle), 60, 30 * DAY, 0,
	  "A session not used for this long ends (checked by `/auth`; use is recorded at most once a minute)." },
	{ "otpd", "cookie_domain", CFG_STRING, "", OFF(cookie_domain), 0, 0, 0,
	  "Domain attribute of the session cookie, e.g. `example.org` when resources are on other hosts than otpd (their nginx `auth_request` must see the cookie); empty: host-only." },
	{ "otpd", "threads", CFG_INT, "4", OFF(threads), 1, 256, 0,
	  "HTTP worker threads." },
	{ "otpd", "write_batch", CFG_INT, "64", OFF(write_batch), 1, 1024, 0,
	  "Group commit: most concurrent requests whose database writes share one commit and one fsync; each still answers only after its write is durable. 1: a commit per request." },
	{ "otpd", "connection_limit", CFG_INT, "1000", OFF(connection_limit), 1, 100000, 0,
	  "Most open HTTP connections." },
	{ "otpd", "per_ip_connection_limit", CFG_INT, "500", OFF(per_ip_connection_limit), 0, 100000, 0,
	  "Most open HTTP connections from one peer address; 0: no limit. Behind nginx every connection comes from the proxy, so keep it near connection_limit." },
	{ "otpd", "connection_timeout", CFG_DURATION, "30s", OFF(connection_timeout), 1, 3600, 0,
	  "Idle HTTP connections are closed after this long." },
	{ "otpd", "connection_memory", CFG_SIZE, "64k", OFF(connection_memory), 16 * 1024, 16 * 1024 * 1024, 0,
	  "Memory libmicrohttpd may use per connection (headers and buffers)." },
	{ "otpd", "database_max_size", CFG_SIZE, "1g", OFF(database_max_size), 1024 * 1024, 1LL << 40, 0,
	  "Largest the LMDB map may grow to; beyond it writes answer 503." },
	{ "otpd", "notify_inviter", CFG_BOOL, "yes", OFF(notify_inviter), 0, 0, 0,
	  "Mail the inviter (the token's inviter) when a guest first redeems their invitation, and when a guest they invited is disabled." },
	{ "otpd", "guest_inactive_disable", CFG_DURATION, "90d", OFF(guest_inactive_disable), 0, 3660 * DAY, 0,
	  "A guest with no sign-in for this long is disabled by the sweeper: sessions revoked, `/auth` and `/login` refuse until a new invitation is redeemed. `0`: never." },
	{ "otpd", "guest_disabled_delete", CFG_DURATION, "30d", OFF(guest_disabled_delete), 0, 3660 * DAY, 0,
	  "A guest disabled this long is deleted: record, TOTP secret, recovery codes (the audit lines stay). `0`: never." },
	{ "otpd", "smtp_timeout", CFG_DURATION, "30s", OFF(smtp_timeout), 1, 600, 0,
	  "Time limit of one code mail delivery attempt." },
};

#define N_DEFS (sizeof(cfg_defs) / sizeof(cfg_defs[0]))

#define OFFP(f) offsetof(struct oidc_provider, f)
#define OIDC_PREFIX "oidc "

/* [oidc NAME]: any number of these, one per provider (see otpd/oidc.h). */
static const struct cfg_def oidc_defs[] = {
	{ "oidc NAME", "issuer", CFG_ISSUER, NULL, OFFP(issuer), 0, 0, 0,
	  "The provider's issuer URL, exactly as its ID tokens' `iss` (discovery: `<issuer>/.well-known/openid-configuration`). https; http only to a loopback host (tests)." },
	{ "oidc NAME", "client_id", CFG_STRING, NULL, OFFP(client_id), 0, 0, 0,
	  "The client id the provider gave otpd." },
	{ "oidc NAME", "client_secret_file", CFG_PATH, NULL, OFFP(client_secret_file), 0, 0, 0,
	  "File holding the client secret (one line), mode 0600 (refused if group or others can read it)." },
	{ "oidc NAME", "domains", CFG_DOMAINS, NULL, OFFP(domains), 0, 0, 0,
	  "Space-separated guest mail domains this provider signs in; exactly these (list subdomains too). A domain may belong to one provider only." },
	{ "oidc NAME", "scopes", CFG_SCOPES, "openid email", OFFP(scopes), 0, 0, 0,
	  "Scopes asked for; must include `openid`. The ID token must carry `email` and `email_verified`." },
	{ "oidc NAME", "mfa_amr", CFG_WORDS, "mfa otp hwk swk", OFFP(mfa_amr), 0, 0, 0,
	  "`amr` values (RFC 8176) that count as multi-factor: a guest whose ID token has one of them is not asked to enrol a TOTP. Empty: never." },
	{ "oidc NAME", "mfa_acr", CFG_WORDS, "", OFFP(mfa_acr), 0, 0, 0,
	  "`acr` values that count as multi-factor (e.g. `http://schemas.openid.net/pape/policies/2007/06/multi-factor`). Empty: `acr` is ignored." },
	{ "oidc NAME", "token_auth", CFG_TOKEN_AUTH, "client_secret_basic", OFFP(token_auth), 0, 0, 0,
	  "How otpd authenticates at the token endpoint: `client_secret_basic` or `client_secret_post`." },
	{ "oidc NAME", "timeout", CFG_DURATION, "10s", OFFP(timeout), 1, 60, 0,
	  "Time limit of each request to the provider (discovery, keys, token)." },
	{ "oidc NAME", "token_endpoint", CFG_ENDPOINT, "", OFFP(token_endpoint), 0, 0, 0,
	  "The token endpoint to use instead of the discovery document's. Empty: the document's, which must be on the issuer's origin (scheme, host, port). Set it for a provider that keeps it on another host (Google: `https://oauth2.googleapis.com/token`). https; http only to a loopback host." },
	{ "oidc NAME", "jwks_uri", CFG_ENDPOINT, "", OFFP(jwks_uri), 0, 0, 0,
	  "The JWKS to use instead of the discovery document's `jwks_uri`; empty: the document's, on the issuer's origin, as for `token_endpoint` (Google: `https://www.googleapis.com/oauth2/v3/certs`)." },
};

#define N_OIDC_DEFS (sizeof(oidc_defs) / sizeof(oidc_defs[0]))

struct parse_state {
	struct config *cfg;
	bool seen[N_DEFS];
	bool oidc_seen[CAP_OIDC_PROVIDERS][N_OIDC_DEFS];
	char err[CAP_ERRMSG];	/* first error, without file:line */
};

static int lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* field - where d's value lives in base (a struct config, or a struct oidc_provider for oidc_defs) */
static void *field(void *base, const struct cfg_def *d)
{
	return (char *)base + d->offset;
}

/* parse_number - decimal digits then an optional unit letter from units with multipliers */
static bool parse_number(const char *s, const char *units, const long long *mult, long long *out)
{
	long long v = 0, m = 1;
	const char *p = s;

	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (*p != '\0') {
		const char *u = strchr(units, lower_ascii(*p));

		if (u == NULL || p[1] != '\0')
			return false;
		m = mult[u - units];
	}
	if (v > LLONG_MAX / m)
		return false;
	*out = v * m;
	return true;
}

bool config_parse_duration(const char *text, long long *out)
{
	static const long long mult[] = { 1, 60, 3600, DAY };

	return parse_number(text, "smhd", mult, out);
}

static bool parse_size(const char *text, long long *out)
{
	static const long long mult[] = { 1024, 1024 * 1024, 1024LL * 1024 * 1024 };

	return parse_number(text, "kmg", mult, out);
}

static void strlist_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static bool strlist_add(struct strlist *l, const char *s, size_t len)
{
	char **items, *copy;

	if (l->n >= CAP_LIST_ITEMS)
		return false;
	copy = strndup(s, len);
	items = realloc(l->items, (l->n + 1) * sizeof(*items));
	if (copy == NULL || items == NULL) {
		free(copy);
		if (items != NULL)
			l->items = items;
		return false;
	}
	l->items = items;
	l->items[l->n++] = copy;
	return true;
}

static bool valid_domain(const char *s, size_t len)
{
	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* valid_domain_ci - valid_domain, upper case allowed */
static bool valid_domain_ci(const char *s, size_t len)
{
	char low[254];

	if (len >= sizeof(low))
		return false;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)lower_ascii(s[i]);
	return valid_domain(low, len);
}

/* next_word - the next space-separated word of *p (advanced past it); false at the end */
static bool next_word(const char **p, const char **w, size_t *len)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (*s == '\0')
		return false;
	*w = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != ',')
		s++;
	*len = (size_t)(s - *w);
	*p = s;
	return true;
}

/* valid_word - an amr/acr value or scope: printable ASCII, no quotes or backslash */
static bool valid_word(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
			return false;
	return len > 0;
}

static bool parse_list(const struct cfg_def *d, void *cfg, const char *value, char *err, size_t errsz)
{
	const char *p = value, *w;
	char word[CAP_URL_BYTES];
	size_t len;

	while (next_word(&p, &w, &len)) {
		if (len >= sizeof(word))
			return errmsg_set(err, errsz, "%s: item too long", d->name);
		for (size_t i = 0; i < len; i++)
			word[i] = d->type == CFG_DOMAINS ? (char)lower_ascii(w[i]) : w[i];
		word[len] = '\0';
		if (d->type == CFG_ADDRESSES) {
			char addr[ADDR_BUF];

			if (!addr_normalize(word, len, addr) || strchr(addr, '@') == NULL)
				return errmsg_set(err, errsz, "%s: '%s' is not a mail address", d->name, word);
			if (!strlist_add(field(cfg, d), addr, strlen(addr)))
				return errmsg_set(err, errsz, "%s: too many items (at most %u)", d->name, CAP_LIST_ITEMS);
		} else if (d->type == CFG_DOMAINS || d->type == CFG_WORDS) {
			struct strlist *l = field(cfg, d);

			if (d->type == CFG_DOMAINS && !valid_domain(word, len))
				return errmsg_set(err, errsz, "%s: '%s' is not a domain name", d->name, word);
			if (d->type == CFG_WORDS && !valid_word(word, len))
				return errmsg_set(err, errsz, "%s: '%s' is not a claim value", d->name, word);
			if (!strlist_add(l, word, len))
				return errmsg_set(err, errsz, "%s: too many items (at most %u)", d->name, CAP_LIST_ITEMS);
		} else if (d->type == CFG_CIDRS) {
			struct cidr_list *l = field(cfg, d);

			if (l->n >= CAP_LIST_ITEMS)
				return errmsg_set(err, errsz, "%s: too many items (at most %u)", d->name, CAP_LIST_ITEMS);
			if (!cidr_parse(word, &l->items[l->n]))
				return errmsg_set(err, errsz, "%s: '%s' is not an address or network (like 192.0.2.0/24 or 2001:db8::/32)",
					    d->name, word);
			l->n++;
		} else {
			struct resource_list *l = field(cfg, d);
			const char *why = "";

			if (l->n >= CAP_LIST_ITEMS)
				return errmsg_set(err, errsz, "%s: too many items (at most %u)", d->name, CAP_LIST_ITEMS);
			if (!resource_list_add(l, word, &why))
				return errmsg_set(err, errsz, "%s: '%s' %s", d->name, word, why);
		}
	}
	return true;
}

static void clear_list(const struct cfg_def *d, void *cfg)
{
	if (d->type == CFG_DOMAINS || d->type == CFG_WORDS || d->type == CFG_ADDRESSES)
		strlist_clear(field(cfg, d));
	else if (d->type == CFG_CIDRS)
		((struct cidr_list *)field(cfg, d))->n = 0;
	else
		resource_list_free(field(cfg, d));
}

static bool valid_socket(const char *v)
{
	const char *at;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0)
		return strchr(v, '/') != NULL;
	if (strncmp(v, "inet:", 5) == 0 || strncmp(v, "inet6:", 6) == 0) {
		long long port;

		at = strchr(v, '@');
		char num[8];
		const char *start = strchr(v, ':') + 1;
		size_t n = (size_t)((at ? at : v + strlen(v)) - start);

		if (n == 0 || n >= sizeof(num))
			return false;
		memcpy(num, start, n);
		num[n] = '\0';
		return parse_number(num, "", NULL, &port) && port > 0 && port <= 65535;
	}
	return false;
}

static bool valid_listen(const char *v)
{
	const char *colon;
	long long port;

	if (strncmp(v, "unix:", 5) == 0)
		return v[5] == '/';
	colon = strrchr(v, ':');
	if (colon == NULL || colon == v)
		return false;
	if (v[0] == '[' && colon[-1] != ']')
		return false;
	return parse_number(colon + 1, "", NULL, &port) && port > 0 && port <= 65535;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return (*out = true), true;
		if (strcasecmp(v, no[i]) == 0)
			return (*out = false), true;
	}
	return false;
}

static bool set_string(char **slot, const char *value, char *err, size_t errsz)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return errmsg_set(err, errsz, "out of memory");
	free(*slot);
	*slot = copy;
	return true;
}

static bool check_range(const struct cfg_def *d, long long v, const char *value, char *err, size_t errsz)
{
	if (v < d->min || v > d->max)
		return errmsg_set(err, errsz, "%s = %s is out of range (%lld to %lld%s)", d->name, value,
			    d->min, d->max, d->type == CFG_DURATION ? " seconds" : d->type == CFG_SIZE ? " bytes" : "");
	return true;
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

/* valid_scopes - space-separated scope tokens (RFC 6749 3.3), one of them openid */
static bool valid_scopes(const char *v)
{
	const char *p = v, *w;
	size_t len;
	bool openid = false;

	while (next_word(&p, &w, &len)) {
		if (!valid_word(w, len))
			return false;
		if (len == 6 && memcmp(w, "openid", 6) == 0)
			openid = true;
	}
	return openid;
}

/* set_value - parse one value into its field; false with a reason */
static bool set_value(const struct cfg_def *d, void *cfg, const char *value, char *err, size_t errsz)
{
	long long v;

	switch (d->type) {
	case CFG_STRING:
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_DATABASE:
		if (strncmp(value, "postgresql://", 13) == 0 || strncmp(value, "postgres://", 11) == 0)
			return set_string(field(cfg, d), value, err, errsz);
		/* Security: a mistyped URI may hold a password: never echo the value. */
		if (value[0] != '/')
			return errmsg_set(err, errsz, "%s: neither an absolute directory nor a postgresql:// URI",
					  d->name);
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_PATH:
		if (value[0] == '\0')
			return errmsg_set(err, errsz, "%s: empty path", d->name);
		/* Security: a relative key path ("../x") names another file for each directory a daemon or
		 * otpctl is started in. */
		if (value[0] != '/')
			return errmsg_set(err, errsz, "%s: '%s' is not an absolute path", d->name, value);
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_BASE_URL: {
		struct url u;
		size_t len = strlen(value);

		while (len > 0 && value[len - 1] == '/')
			len--;
		if (!url_parse(value, len, &u) || !u.bare)
			return errmsg_set(err, errsz, "%s: '%s' is not an http(s) URL of a host (like https://guest.example.org)",
				    d->name, value);
		if (!set_string(field(cfg, d), value, err, errsz))
			return false;
		(*(char **)field(cfg, d))[len] = '\0';
		return true;
	}
	case CFG_DOMAINS:
	case CFG_CIDRS:
	case CFG_RESOURCES:
	case CFG_WORDS:
	case CFG_ADDRESSES:
		return parse_list(d, cfg, value, err, errsz);
	case CFG_DOMAIN: {
		size_t len = strlen(value);

		if (len > 0 && !valid_domain_ci(value, len))
			return errmsg_set(err, errsz, "%s: '%s' is not a domain name", d->name, value);
		if (!set_string(field(cfg, d), value, err, errsz))
			return false;
		for (char *c = *(char **)field(cfg, d); *c; c++)
			*c = (char)lower_ascii(*c);
		return true;
	}
	case CFG_ISSUER:
		if (!valid_issuer(value))
			return errmsg_set(err, errsz, "%s: '%s' is not an https URL (http only to 127.0.0.1, ::1 or localhost)",
				    d->name, value);
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_ENDPOINT:
		if (value[0] != '\0' && !valid_issuer(value))
			return errmsg_set(err, errsz, "%s: '%s' is not an https URL (http only to 127.0.0.1, ::1 or localhost)",
				    d->name, value);
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_SCOPES:
		if (!valid_scopes(value))
			return errmsg_set(err, errsz, "%s: '%s' is not a space-separated scope list with openid", d->name, value);
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_TOKEN_AUTH:
		if (strcmp(value, "client_secret_basic") == 0)
			*(enum oidc_token_auth *)field(cfg, d) = OIDC_AUTH_BASIC;
		else if (strcmp(value, "client_secret_post") == 0)
			*(enum oidc_token_auth *)field(cfg, d) = OIDC_AUTH_POST;
		else
			return errmsg_set(err, errsz, "%s: '%s' is neither client_secret_basic nor client_secret_post",
				    d->name, value);
		return true;
	case CFG_DURATION:
		if (!config_parse_duration(value, &v))
			return errmsg_set(err, errsz, "%s: '%s' is not a duration (a number with s, m, h or d)", d->name, value);
		if (!check_range(d, v, value, err, errsz))
			return false;
		*(long long *)field(cfg, d) = v;
		return true;
	case CFG_SIZE:
		if (!parse_size(value, &v))
			return errmsg_set(err, errsz, "%s: '%s' is not a size (a number with k, m or g)", d->name, value);
		if (!check_range(d, v, value, err, errsz))
			return false;
		*(long long *)field(cfg, d) = v;
		return true;
	case CFG_INT:
		if (!parse_number(value, "", NULL, &v))
			return errmsg_set(err, errsz, "%s: '%s' is not a whole number", d->name, value);
		if (!check_range(d, v, value, err, errsz))
			return false;
		*(long long *)field(cfg, d) = v;
		return true;
	case CFG_BOOL:
		if (!parse_bool(value, field(cfg, d)))
			return errmsg_set(err, errsz, "%s: '%s' is not yes or no", d->name, value);
		return true;
	case CFG_TRIGGER:
		if (strcmp(value, "tag") == 0)
			*(enum trigger *)field(cfg, d) = TRIGGER_TAG;
		else if (strcmp(value, "link") == 0)
			*(enum trigger *)field(cfg, d) = TRIGGER_LINK;
		else
			return errmsg_set(err, errsz, "%s: '%s' is neither tag nor link", d->name, value);
		return true;
	case CFG_SOCKET:
		if (!valid_socket(value))
			return errmsg_set(err, errsz, "%s: '%s' is not unix:/path or inet:PORT@HOST", d->name, value);
		return set_string(field(cfg, d), value, err, errsz);
	case CFG_LISTEN:
		if (!valid_listen(value))
			return errmsg_set(err, errsz, "%s: '%s' is not HOST:PORT, [V6]:PORT or unix:/path", d->name, value);
		return set_string(field(cfg, d), value, err, errsz);
	}
	return errmsg_set(err, errsz, "%s: unknown type", d->name);
}

static bool is_list(const struct cfg_def *d)
{
	return d->type == CFG_DOMAINS || d->type == CFG_CIDRS || d->type == CFG_RESOURCES || d->type == CFG_WORDS ||
	       d->type == CFG_ADDRESSES;
}

static bool is_string(const struct cfg_def *d)
{
	return d->type == CFG_STRING || d->type == CFG_PATH || d->type == CFG_DATABASE || d->type == CFG_BASE_URL ||
	       d->type == CFG_SOCKET || d->type == CFG_LISTEN || d->type == CFG_ISSUER || d->type == CFG_ENDPOINT ||
	       d->type == CFG_SCOPES || d->type == CFG_DOMAIN;
}

/* set_pair - one key of a table into base; 1 to go on, 0 to stop (reason in st->err) */
static int set_pair(struct parse_state *st, const struct cfg_def *d, bool *seen, void *base, const char *section,
		    const char *value)
{
	if (*seen && !is_list(d)) {
		errmsg_set(st->err, sizeof(st->err), "[%s] %s is given twice", section, d->name);
		return 0;
	}
	/* The first occurrence of a list replaces its default; later lines (an
	 * indented continuation or the key repeated) add to it. */
	if (!*seen && is_list(d))
		clear_list(d, base);
	*seen = true;
	return set_value(d, base, value, st->err, sizeof(st->err)) ? 1 : 0;
}

static bool valid_oidc_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > CAP_OIDC_NAME)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* oidc_section - the provider of "[oidc NAME]", added with its defaults on first sight; NULL with a reason */
static struct oidc_provider *oidc_section(struct parse_state *st, const char *name, size_t *index)
{
	struct config *cfg = st->cfg;
	struct oidc_provider *p;

	if (!valid_oidc_name(name)) {
		errmsg_set(st->err, sizeof(st->err), "[oidc %s]: NAME must be 1 to %u of a-z, 0-9, '-', '_'", name,
		     CAP_OIDC_NAME);
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_oidc; i++)
		if (strcmp(cfg->oidc[i].name, name) == 0)
			return (*index = i), &cfg->oidc[i];
	if (cfg->n_oidc >= CAP_OIDC_PROVIDERS) {
		errmsg_set(st->err, sizeof(st->err), "too many [oidc NAME] sections (at most %u)", CAP_OIDC_PROVIDERS);
		return NULL;
	}
	p = &cfg->oidc[cfg->n_oidc];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (p->name == NULL) {
		errmsg_set(st->err, sizeof(st->err), "out of memory");
		return NULL;
	}
	*index = cfg->n_oidc++;
	for (size_t i = 0; i < N_OIDC_DEFS; i++)
		if (oidc_defs[i].dflt != NULL &&
		    !set_value(&oidc_defs[i], p, oidc_defs[i].dflt, st->err, sizeof(st->err)))
			return NULL;
	return p;
}

static int on_oidc_pair(struct parse_state *st, const char *section, const char *name, const char *value)
{
	size_t idx;
	struct oidc_provider *p = oidc_section(st, section + strlen(OIDC_PREFIX), &idx);

	if (p == NULL)
		return 0;
	for (size_t i = 0; i < N_OIDC_DEFS; i++)
		if (strcmp(oidc_defs[i].name, name) == 0)
			return set_pair(st, &oidc_defs[i], &st->oidc_seen[idx][i], p, section, value);
	errmsg_set(st->err, sizeof(st->err), "unknown key '%s' in [%s]", name, section);
	return 0;
}

static bool section_known(const char *section)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (strcmp(cfg_defs[i].section, section) == 0)
			return true;
	return false;
}

/* on_pair - inih handler: 1 to go on, 0 to stop at this line */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;

	if (strncmp(section, OIDC_PREFIX, strlen(OIDC_PREFIX)) == 0)
		return on_oidc_pair(st, section, name, value);
	if (!section_known(section)) {
		errmsg_set(st->err, sizeof(st->err), section[0] ? "unknown section [%s]" : "key '%s' outside a section",
		     section[0] ? section : name);
		return 0;
	}
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct cfg_def *d = &cfg_defs[i];

		if (strcmp(d->section, section) != 0 || strcmp(d->name, name) != 0)
			continue;
		return set_pair(st, d, &st->seen[i], st->cfg, section, value);
	}
	errmsg_set(st->err, sizeof(st->err), "unknown key '%s' in [%s]", name, section);
	return 0;
}

static bool config_defaults(struct config *cfg, char *err, size_t errsz)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (cfg_defs[i].dflt != NULL && !set_value(&cfg_defs[i], cfg, cfg_defs[i].dflt, err, errsz))
			return false;
	return true;
}

static void ini_settings(void)
{
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = (int)CAP_CONFIG_LINE;
	ini_stop_on_first_error = true;
	ini_allow_multiline = true;
	ini_allow_inline_comments = true;
}

/* oidc_check - each [oidc NAME] complete, and no domain served twice */
static bool oidc_check(const struct config *cfg, const char *name, char *err, size_t errsz)
{
	for (size_t i = 0; i < cfg->n_oidc; i++) {
		const struct oidc_provider *p = &cfg->oidc[i];
		const char *missing = p->issuer == NULL ? "issuer" : p->client_id == NULL || p->client_id[0] == '\0' ?
			"client_id" : p->client_secret_file == NULL ? "client_secret_file" :
			p->domains.n == 0 ? "domains" : NULL;

		if (missing != NULL)
			return errmsg_set(err, errsz, "%s: [oidc %s] %s must be set", name, p->name, missing);
		for (size_t d = 0; d < p->domains.n; d++) {
			const struct oidc_provider *q = config_oidc_for_domain(cfg, p->domains.items[d]);

			if (q != p)
				return errmsg_set(err, errsz, "%s: [oidc %s] domain %s is already served by [oidc %s]", name,
					    p->name, p->domains.items[d], q->name);
		}
	}
	return true;
}

const struct oidc_provider *config_oidc_for_domain(const struct config *cfg, const char *domain)
{
	for (size_t i = 0; i < cfg->n_oidc; i++)
		for (size_t d = 0; d < cfg->oidc[i].domains.n; d++)
			if (strcmp(cfg->oidc[i].domains.items[d], domain) == 0)
				return &cfg->oidc[i];
	return NULL;
}

/* config_finish - turn inih's result into our message */
static bool config_finish(int rc, const char *name, struct parse_state *st, char *err, size_t errsz)
{
	if (rc == 0)
		return oidc_check(st->cfg, name, err, errsz);
	if (rc == -1)
		return errmsg_set(err, errsz, "%s: cannot open: %s", name, strerror(errno));
	if (rc == -2)
		return errmsg_set(err, errsz, "%s: out of memory", name);
	if (st->err[0] == '\0')
		return errmsg_set(err, errsz, "%s:%d: syntax error (expected [section], key = value, or a comment)", name, rc);
	return errmsg_set(err, errsz, "%s:%d: %s", name, rc, st->err);
}

static bool config_start(const char *name, struct config *cfg, struct parse_state *st, char *err, size_t errsz)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	ini_settings();
	cfg->path = strdup(name);
	if (cfg->path == NULL)
		return errmsg_set(err, errsz, "out of memory");
	return config_defaults(cfg, err, errsz);
}

bool config_load(const char *path, struct config *cfg, char *err, size_t errsz)
{
	struct parse_state st;

	if (!config_start(path, cfg, &st, err, errsz))
		return false;
	errno = 0;
	return config_finish(ini_parse(path, on_pair, &st), path, &st, err, errsz);
}

bool config_load_string(const char *name, const char *text, struct config *cfg, char *err, size_t errsz)
{
	struct parse_state st;

	if (!config_start(name, cfg, &st, err, errsz))
		return false;
	return config_finish(ini_parse_string(text, on_pair, &st), name, &st, err, errsz);
}

static bool is_set(const struct config *cfg, const struct cfg_def *d)
{
	const void *f = (const char *)cfg + d->offset;

	switch (d->type) {
	case CFG_DOMAINS:
		return ((const struct strlist *)f)->n > 0;
	case CFG_RESOURCES:
		return ((const struct resource_list *)f)->n > 0;
	case CFG_CIDRS:
		return true;
	case CFG_STRING:
	case CFG_PATH:
	case CFG_DATABASE:
	case CFG_BASE_URL:
	case CFG_SOCKET:
	case CFG_LISTEN:
	case CFG_ISSUER:
	case CFG_SCOPES: {
		const char *s = *(char *const *)f;

		return s != NULL && s[0] != '\0';
	}
	default:
		return true;
	}
}

bool config_require(const struct config *cfg, unsigned need, char *err, size_t errsz)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct cfg_def *d = &cfg_defs[i];

		if ((d->need & need) != 0 && !is_set(cfg, d))
			return errmsg_set(err, errsz, "%s: [%s] %s must be set (%s)", cfg->path, d->section, d->name, d->doc);
	}
	return true;
}

/* free_table - the strings and lists of one table's fields in base */
static void free_table(const struct cfg_def *defs, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_def *d = &defs[i];

		if (is_list(d))
			clear_list(d, base);
		else if (is_string(d)) {
			char **slot = field(base, d);

			free(*slot);
			*slot = NULL;
		}
	}
}

void config_free(struct config *cfg)
{
	free_table(cfg_defs, N_DEFS, cfg);
	for (size_t i = 0; i < cfg->n_oidc; i++) {
		free_table(oidc_defs, N_OIDC_DEFS, &cfg->oidc[i]);
		free(cfg->oidc[i].name);
		cfg->oidc[i].name = NULL;
	}
	cfg->n_oidc = 0;
	free(cfg->path);
	cfg->path = NULL;
}

static void print_table(FILE *out, const struct cfg_def *defs, size_t n, const char *section)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_def *d = &defs[i];

		if (strcmp(section, d->section) != 0) {
			section = d->section;
			fprintf(out, "\n### [%s]\n\n", section);
			if (defs == oidc_defs)
				fprintf(out, "Any number of these, one per OpenID Connect provider; NAME is 1 to %u of "
					"`a-z 0-9 - _` (see *Organisation sign-in* below).\n\n", CAP_OIDC_NAME);
			fprintf(out, "| key | default | meaning |\n|---|---|---|\n");
		}
		fprintf(out, "| `%s` | %s%s%s | %s |\n", d->name, d->dflt && d->dflt[0] ? "`" : "",
			d->dflt == NULL ? "(required)" : d->dflt[0] ? d->dflt : "(empty)",
			d->dflt && d->dflt[0] ? "`" : "", d->doc);
	}
}

void config_print_reference(FILE *out)
{
	/* The first heading has no blank line before it: skip print_table's. */
	fprintf(out, "### [%s]\n\n| key | default | meaning |\n|---|---|---|\n", cfg_defs[0].section);
	print_table(out, cfg_defs, N_DEFS, cfg_defs[0].section);
	print_table(out, oidc_defs, N_OIDC_DEFS, "");
}

bool config_is_internal(const struct config *cfg, const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *dom = at ? at + 1 : addr;
	size_t dlen = strlen(dom);

	while (dlen > 0 && (dom[dlen - 1] == '>' || dom[dlen - 1] == '.'))
		dlen--;
	for (size_t i = 0; i < cfg->internal_domains.n; i++) {
		const char *d = cfg->internal_domains.items[i];
		size_t len = strlen(d);

		if (dlen < len || strncasecmp(dom + dlen - len, d, len) != 0)
			continue;
		if (dlen == len || dom[dlen - len - 1] == '.')
			return true;
	}
	return false;
}
