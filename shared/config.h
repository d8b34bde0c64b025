/*
 * config.h - the one INI file both daemons and otpctl read.
 *
 * A table of {section, name, type, default, bounds, doc} drives parsing,
 * validation and the key reference (config_print_reference), as Postfix's
 * mail_conf tables do. Unknown sections or keys, bad values and keys given
 * twice are errors that name file:line.
 *
 * Ownership: config_load() fills a caller-owned struct config; free it with
 * config_free(). Strings inside are owned by the struct.
 */
#ifndef GUESTLINK_CONFIG_H
#define GUESTLINK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "caps.h"
#include "cidr.h"
#include "resource.h"

enum trigger { TRIGGER_TAG, TRIGGER_LINK };

/* How otpd authenticates at a provider's token endpoint (RFC 6749 2.3.1). */
enum oidc_token_auth { OIDC_AUTH_BASIC, OIDC_AUTH_POST };

struct strlist {
	size_t n;
	char **items;
};

/* One [oidc NAME] section: an organisation's OpenID Connect provider. */
struct oidc_provider {
	char *name;			/* NAME of the section */
	char *issuer;			/* exact "iss"; no trailing '/' unless the provider's has one */
	char *client_id;
	char *client_secret_file;
	struct strlist domains;		/* lower case; exactly these, no subdomains */
	char *scopes;			/* space-separated, includes openid */
	struct strlist mfa_amr;		/* amr values that count as MFA */
	struct strlist mfa_acr;		/* acr values that count as MFA */
	enum oidc_token_auth token_auth;
	long long timeout;		/* seconds per HTTP request to the provider */
	char *token_endpoint;		/* "" or the token endpoint to use instead of the discovery document's */
	char *jwks_uri;			/* "" or the JWKS to use instead of the document's */
};

struct config {
	char *path;

	/* [guestlink] */
	char *public_url;		/* no trailing '/' */
	char *org_name;
	char *privacy_url;		/* "" = no link to the organisation's statement */
	struct strlist internal_domains;/* lower case */

	/* [keys] */
	char *signing_key;
	char *verify_keys;
	char *secret;
	char *guest_key;
	char *guest_key_previous;	/* NULL when none */

	/* [milter] */
	char *socket;
	char *milter_user;
	struct cidr_list trusted_networks;
	char *login_domain;		/* "" = a bare SASL login cannot be an inviter; lower case */
	struct strlist local_submitters;/* normalized envelope senders; empty = no local invitations */
	char *subject_tag;
	enum trigger trigger;
	struct resource_list resources;
	long long link_ttl;		/* seconds */
	long long max_recipients;
	long long max_message_size;	/* bytes */
	char *otpd_url;			/* "" = do not report invitations */

	/* [otpd] */
	char *listen;
	char *otpd_user;
	char *database;			/* LMDB directory or postgresql:// URI */
	char *database_password_file;	/* "" = none */
	char *smtp_url;
	char *mail_from;
	long long code_ttl;		/* seconds */
	bool cookie_secure;
	struct cidr_list trusted_proxies;
	long long mail_interval;	/* seconds between code mails, per invitation and address */
	long long mails_per_hour;	/* code mails an hour, per invitation and address */
	long long code_tries;		/* wrong tries that burn a code */
	long long max_failed_tries;	/* failed tries per address before it must be invited again */
	long long ip_mails_per_hour;	/* code mails an hour per client IP (IPv6 by /64) */
	long long ip_tries_per_hour;	/* code tries an hour per client IP (IPv6 by /64) */
	long long session_ttl;		/* seconds: absolute lifetime of a session */
	long long session_idle;		/* seconds: a session unused this long ends */
	char *cookie_domain;		/* "" = host-only cookies */
	long long threads;		/* HTTP worker threads */
	long long write_batch;		/* group commit: requests per LMDB commit */
	long long connection_limit;
	long long per_ip_connection_limit;
	long long connection_timeout;	/* seconds idle */
	long long connection_memory;	/* bytes per connection */
	long long database_max_size;	/* bytes the LMDB map may grow to */
	long long smtp_timeout;		/* seconds per delivery attempt */
	bool notify_inviter;		/* mail the inviter on first redemption and on disable */
	long long guest_inactive_disable;	/* seconds without sign-in before a guest is disabled; 0 = never */
	long long guest_disabled_delete;	/* seconds disabled before the guest is deleted; 0 = never */

	/* [oidc NAME] sections, in file order */
	size_t n_oidc;
	struct oidc_provider oidc[CAP_OIDC_PROVIDERS];
};

/* What a program needs set: checked by config_require(). */
enum config_need {
	CONFIG_NEED_MILTER = 1 << 0,
	CONFIG_NEED_OTPD = 1 << 1,
	CONFIG_NEED_VERIFY = 1 << 2,	/* otpctl inspect */
};

/* config_load - parse and validate; false with "file:line: reason" in err */
bool config_load(const char *path, struct config *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* config_load_string - the same from memory (tests, fuzzing); name stands in for the file */
bool config_load_string(const char *name, const char *text, struct config *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* config_require - are the keys a program needs set? false with "file: [section] key ..." */
bool config_require(const struct config *cfg, unsigned need, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

void config_free(struct config *cfg) __attribute__((nonnull));

/* config_print_reference - every key, its default and its meaning, as a Markdown table */
void config_print_reference(FILE *out) __attribute__((nonnull));

/* config_parse_duration - "90", "90s", "10m", "2h", "7d" to seconds */
bool config_parse_duration(const char *text, long long *out) __attribute__((warn_unused_result, nonnull));

/* config_oidc_for_domain - the [oidc NAME] that serves exactly this (lower-case) domain, or NULL */
const struct oidc_provider *config_oidc_for_domain(const struct config *cfg, const char *domain)
	__attribute__((nonnull));

/* config_is_internal - is the address (or bare domain) inside internal_domains (subdomains included)? */
bool config_is_internal(const struct config *cfg, const char *addr) __attribute__((nonnull));

#endif
