/*
 * config.h - the engine under each daemon's config table, and the keys both share.
 *
 * One INI file serves the milter, otpd and otpctl. As in Postfix, each
 * daemon declares its own keys (milter/milter_config.c, otpd/otpd_config.c):
 * a table of {name, type, default, bounds, doc, offset} per [section], and a
 * schema listing its sections. The [guestlink] and [keys] sections are
 * declared here once and belong to every schema. The tables drive parsing,
 * validation, config_require() and the key reference (docs/admin.md,
 * guestlink.conf(5)).
 *
 * A daemon parses and checks its own sections into its own struct. The other
 * daemon's sections are in the same file: they are accepted without parsing
 * their values, but their key names are still checked against the other
 * daemon's table, so an unknown section or key, or a key given twice, is an
 * error naming file:line whichever daemon reads the file.
 *
 * A daemon's struct starts with the common fields (CONFIG_COMMON_FIELDS, as a
 * union with struct config_common so both cfg->public_url and &cfg->common
 * work): the engine finds path and the common keys at the struct's start.
 *
 * Ownership: a load fills a caller-owned struct; free it with config_free()
 * (also after a failed load). Strings and lists inside are owned by it.
 */
#ifndef GUESTLINK_CONFIG_H
#define GUESTLINK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "caps.h"
#include "cidr.h"
#include "resource.h"

struct strlist {
	size_t n;
	char **items;
};

/* What a program needs set: checked by config_require(). */
enum config_need {
	CONFIG_NEED_MILTER = 1 << 0,
	CONFIG_NEED_OTPD = 1 << 1,
	CONFIG_NEED_VERIFY = 1 << 2,	/* otpctl inspect */
};

enum config_type {
	CONFIG_STRING,		/* free text (char *) */
	CONFIG_PATH,		/* an absolute file or directory name (char *) */
	CONFIG_BASE_URL,	/* http(s) URL of a host, trailing '/' dropped (char *) */
	CONFIG_DOMAIN,		/* one domain name or empty, lower-cased (char *) */
	CONFIG_CHECKED,		/* text the key's check function accepts (char *) */
	CONFIG_DOMAINS,		/* space-separated domain names, lower-cased (struct strlist) */
	CONFIG_WORDS,		/* space-separated claim values (struct strlist) */
	CONFIG_ADDRESSES,	/* space-separated mail addresses, normalized (struct strlist) */
	CONFIG_CIDRS,		/* space-separated networks (struct cidr_list) */
	CONFIG_RESOURCES,	/* space-separated URL prefixes (struct resource_list) */
	CONFIG_DURATION,	/* seconds with s/m/h/d (long long) */
	CONFIG_SIZE,		/* bytes with k/m/g (long long) */
	CONFIG_INT,		/* (long long) */
	CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 (bool) */
	CONFIG_ENUM,		/* one of words; words[i] stores i (an enum of int size) */
};

/* config_check_fn - is value right for a CONFIG_CHECKED key? false with why ("'x' is not ...").
 * Security: a check decides whether why may echo the value (it may hold a password). */
typedef bool config_check_fn(const char *value, char *why, size_t whysz);

/* One key. offset is into the daemon's struct, or into one instance of a repeated section. */
struct config_key {
	const char *name;
	enum config_type type;
	const char *dflt;	/* NULL: no default (required keys, or left NULL) */
	size_t offset;
	long long min, max;	/* for DURATION, SIZE, INT */
	unsigned need;		/* config_need bits that require it */
	const char *doc;
	const char *const *words;	/* CONFIG_ENUM: the accepted words, NULL-terminated */
	config_check_fn *check;		/* CONFIG_CHECKED */
};

/* One [section], or a repeated [prefix NAME] section (any number, each with its own instance). */
struct config_section {
	const char *name;		/* "milter"; repeated: "oidc NAME" */
	const struct config_key *keys;
	size_t n_keys;
	/* Repeated sections only. */
	bool repeated;
	unsigned max_count;		/* at most this many sections */
	unsigned max_name;		/* NAME is 1 to this many of a-z 0-9 - _ */
	size_t count_offset;		/* size_t in the daemon's struct: instances so far */
	size_t array_offset;		/* the daemon's array of max_count instances */
	size_t elem_size;
	size_t name_offset;		/* char * in an instance: its NAME */
	const char *one_per;		/* reference: "Any number of these, one per <one_per>; ..." */
	const char *see;		/* reference: "... (see *<see>* below)." */
};

/* A daemon's view of the file: its sections (the common ones first) and its struct. */
struct config_schema {
	const char *daemon;
	const struct config_section *const *sections;
	size_t n_sections;
	size_t size;			/* sizeof the daemon's struct */
	/* checks across keys once the file is read, or NULL; false with "name: ..." in err */
	bool (*finish)(const void *cfg, const char *name, char *err, size_t errsz);
};

/* The common fields at the start of each daemon's struct. */
#define CONFIG_COMMON_FIELDS \
	char *path;			/* the file, for messages */ \
	/* [guestlink] */ \
	char *public_url;		/* no trailing '/' */ \
	char *org_name; \
	char *privacy_url;		/* "" = no link to the organisation's statement */ \
	struct strlist internal_domains;/* lower case */ \
	/* [keys] */ \
	char *signing_key; \
	char *verify_keys; \
	char *secret; \
	char *guest_key; \
	char *guest_key_previous;	/* NULL when none */

struct config_common {
	CONFIG_COMMON_FIELDS
};

/* The common sections, for the daemons' schemas. */
extern const struct config_section config_section_guestlink;
extern const struct config_section config_section_keys;

/* config_load - parse path into cfg as own (a struct of own->size), knowing others' sections by name
 * only; false with "file:line: reason" (or "file: reason") in err, and then cfg holds nothing to free */
bool config_load(const struct config_schema *own, const struct config_schema *const *others, size_t n_others,
		 const char *path, void *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull(1, 4, 5, 6)));

/* config_load_string - the same from memory (tests, fuzzing); name stands in for the file */
bool config_load_string(const struct config_schema *own, const struct config_schema *const *others,
			size_t n_others, const char *name, const char *text, void *cfg, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull(1, 4, 5, 6, 7)));

/* config_require - are the keys with need bits set? false with "file: [section] key must be set (...)" */
bool config_require(const struct config_schema *s, const void *cfg, unsigned need, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* config_free - the strings and lists of a loaded (or half-loaded) cfg */
void config_free(const struct config_schema *s, void *cfg) __attribute__((nonnull));

/* config_print_reference - every key of these schemas (each section once, in order), its default and
 * its meaning, as Markdown tables */
void config_print_reference(FILE *out, const struct config_schema *const *schemas, size_t n)
	__attribute__((nonnull));

/* config_parse_duration - "90", "90s", "10m", "2h", "7d" to seconds */
bool config_parse_duration(const char *text, long long *out) __attribute__((warn_unused_result, nonnull));

/* config_parse_number - decimal digits (leading spaces allowed), nothing after */
bool config_parse_number(const char *text, long long *out) __attribute__((warn_unused_result, nonnull));

/* config_next_word - the next word of *p separated by spaces, tabs or commas (*p advanced past it) */
bool config_next_word(const char **p, const char **w, size_t *len) __attribute__((nonnull));

/* config_valid_word - an amr/acr value or OAuth scope: printable ASCII, no quotes or backslash */
bool config_valid_word(const char *s, size_t len) __attribute__((nonnull));

/* config_is_internal - is the address (or bare domain) inside internal_domains (subdomains included)? */
bool config_is_internal(const struct config_common *cfg, const char *addr) __attribute__((nonnull));

#endif
