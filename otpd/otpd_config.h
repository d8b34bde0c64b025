/*
 * otpd_config.h - otpd's (and otpctl's) view of the config file: the common
 * keys, [otpd] and any number of [oidc NAME] sections (see shared/config.h
 * for the engine and the file's rules).
 *
 * Ownership: otpd_config_load() fills a caller-owned struct otpd_config;
 * free it with otpd_config_free(), also after a failed load.
 */
#ifndef GUESTLINK_OTPD_CONFIG_H
#define GUESTLINK_OTPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "caps.h"
#include "cidr.h"
#include "config.h"

/* How otpd authenticates at a provider's token endpoint (RFC 6749 2.3.1). */
enum oidc_token_auth { OIDC_AUTH_BASIC, OIDC_AUTH_POST };

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

struct otpd_config {
	union {
		struct config_common common;
		struct {
			CONFIG_COMMON_FIELDS
		};
	};

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

/* otpd's sections; the milter knows them by name through this. */
extern const struct config_schema otpd_config_schema;

/* otpd_config_load - parse and check the common, [otpd] and [oidc NAME] keys (the milter's: names only);
 * false with "file:line: reason" in err */
bool otpd_config_load(const char *path, struct otpd_config *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* otpd_config_load_string - the same from memory (tests, fuzzing); name stands in for the file */
bool otpd_config_load_string(const char *name, const char *text, struct otpd_config *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* otpd_config_require - are the keys of need (CONFIG_NEED_OTPD, CONFIG_NEED_VERIFY) set? false with
 * "file: [section] key ..." */
bool otpd_config_require(const struct otpd_config *cfg, unsigned need, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

void otpd_config_free(struct otpd_config *cfg) __attribute__((nonnull));

/* otpd_config_oidc_for_domain - the [oidc NAME] that serves exactly this (lower-case) domain, or NULL */
const struct oidc_provider *otpd_config_oidc_for_domain(const struct otpd_config *cfg, const char *domain)
	__attribute__((nonnull));

/* otpd_config_print_reference - every key of every daemon, its default and meaning, as Markdown tables
 * (otpctl config-reference; docs/admin.md and guestlink.conf(5) are made from it) */
void otpd_config_print_reference(FILE *out) __attribute__((nonnull));

#endif
