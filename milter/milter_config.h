/*
 * milter_config.h - the milter's view of the config file: the common keys
 * and [milter] (see shared/config.h for the engine and the file's rules).
 *
 * Ownership: milter_config_load() fills a caller-owned struct milter_config;
 * free it with milter_config_free(), also after a failed load.
 */
#ifndef GUESTLINK_MILTER_CONFIG_H
#define GUESTLINK_MILTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cidr.h"
#include "config.h"
#include "resource.h"

enum trigger { TRIGGER_TAG, TRIGGER_LINK };

struct milter_config {
	union {
		struct config_common common;
		struct {
			CONFIG_COMMON_FIELDS
		};
	};

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
};

/* The milter's sections; otpd knows them by name through this. */
extern const struct config_schema milter_config_schema;

/* milter_config_load - parse and check the common and [milter] keys (otpd's: names only); false with
 * "file:line: reason" in err */
bool milter_config_load(const char *path, struct milter_config *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* milter_config_load_string - the same from memory (tests, fuzzing); name stands in for the file */
bool milter_config_load_string(const char *name, const char *text, struct milter_config *cfg, char *err,
			       size_t errsz) __attribute__((warn_unused_result, nonnull));

/* milter_config_require - is every key the milter needs set? false with "file: [section] key ..." */
bool milter_config_require(const struct milter_config *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

void milter_config_free(struct milter_config *cfg) __attribute__((nonnull));

#endif
