/*
 * config.c - table-driven INI parsing with libinih (see config.h), and the
 * [guestlink] and [keys] tables every daemon shares.
 *
 * Failure: the first bad line stops parsing; the message names file:line
 * and what was expected. Defaults go through the same parsers as the file,
 * so a default can never be a value the file could not hold.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "caps.h"
#include "errmsg.h"

#define OFF(f) offsetof(struct config_common, f)

static const struct config_key guestlink_keys[] = {
	{ "public_url", CONFIG_BASE_URL, NULL, OFF(public_url), 0, 0, CONFIG_NEED_MILTER | CONFIG_NEED_OTPD,
	  .doc = "Where guests reach otpd (through nginx); accept links are `<public_url>/accept/<token>`." },
	{ "org_name", CONFIG_STRING, "", OFF(org_name), 0, 0, 0,
	  .doc = "The organisation's name as guests see it in the footer, pages and code mails." },
	{ "privacy_url", CONFIG_STRING, "", OFF(privacy_url), 0, 0, 0,
	  .doc = "The organisation's privacy statement, linked from the privacy page. Every guest sees that page (what is kept, for how long) and accepts it once, before the first sign-in finishes; empty: the page has no link." },
	{ "internal_domains", CONFIG_DOMAINS, NULL, OFF(internal_domains), 0, 0, CONFIG_NEED_MILTER,
	  .doc = "Space-separated mail domains of the organisation; subdomains included. Recipients outside them are guests." },
};

static const struct config_key keys_keys[] = {
	{ "signing_key", CONFIG_PATH, NULL, OFF(signing_key), 0, 0, CONFIG_NEED_MILTER,
	  .doc = "Ed25519 secret key file (milter only), mode 0600, from `otpctl keygen`." },
	{ "verify_keys", CONFIG_PATH, NULL, OFF(verify_keys), 0, 0, CONFIG_NEED_OTPD | CONFIG_NEED_VERIFY,
	  .doc = "Directory of public keys, one `<kid>.pub` file per key id (otpd, otpctl)." },
	{ "secret", CONFIG_PATH, NULL, OFF(secret), 0, 0, CONFIG_NEED_OTPD,
	  .doc = "32 random bytes for keyed hashes and cookies (otpd), mode 0600." },
	{ "guest_key", CONFIG_PATH, NULL, OFF(guest_key), 0, 0, CONFIG_NEED_MILTER | CONFIG_NEED_OTPD,
	  .doc = "32 random bytes that key the guest hashes in links (milter and otpd: the same file on both hosts), mode 0600, from `otpctl keygen`. Without it a link does not tell who is invited." },
	{ "guest_key_previous", CONFIG_PATH, NULL, OFF(guest_key_previous), 0, 0, 0,
	  .doc = "The guest key before the last rotation (otpd, otpctl): links made with it keep their guests until they expire. Unset: none." },
};

const struct config_section config_section_guestlink = {
	.name = "guestlink", .keys = guestlink_keys, .n_keys = sizeof(guestlink_keys) / sizeof(guestlink_keys[0]),
};

const struct config_section config_section_keys = {
	.name = "keys", .keys = keys_keys, .n_keys = sizeof(keys_keys) / sizeof(keys_keys[0]),
};

#define DAY (24LL * 3600)

/* What a load knows of one section: whose it is, which keys were seen, the NAMEs of a repeated one. */
struct section_state {
	const struct config_section *sec;
	bool own;		/* parsed into the struct; else only its key names are checked */
	bool *seen;		/* n_keys, or max_count * n_keys for a repeated section */
	char **names;		/* repeated: NAME of each instance so far */
	size_t n;
};

struct parse_state {
	void *cfg;
	const struct config_schema *own;
	struct section_state *ss;
	size_t n_ss;
	char err[CAP_ERRMSG];	/* first error, without file:line */
};

static int lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* field - where k's value lives in base (the daemon's struct, or an instance of a repeated section) */
static void *field(void *base, const struct config_key *k)
{
	return (char *)base + k->offset;
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

bool config_parse_number(const char *text, long long *out)
{
	return parse_number(text, "", NULL, out);
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
	if (len == 0 || len > CAP_DOMAIN_BYTES || s[0] == '.' || s[0] == '-')
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
	char low[CAP_DOMAIN_BYTES + 1];

	if (len >= sizeof(low))
		return false;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)lower_ascii(s[i]);
	return valid_domain(low, len);
}

bool config_next_word(const char **p, const char **w, size_t *len)
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

bool config_valid_word(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
			return false;
	return len > 0;
}

static bool is_strlist(const struct config_key *k)
{
	return k->type == CONFIG_DOMAINS || k->type == CONFIG_WORDS || k->type == CONFIG_ADDRESSES;
}

static bool is_list(const struct config_key *k)
{
	return is_strlist(k) || k->type == CONFIG_CIDRS || k->type == CONFIG_RESOURCES;
}

static bool is_string(const struct config_key *k)
{
	return k->type == CONFIG_STRING || k->type == CONFIG_PATH || k->type == CONFIG_BASE_URL ||
	       k->type == CONFIG_DOMAIN || k->type == CONFIG_CHECKED;
}

/* add_word - one word of a list value into k's list in base */
static bool add_word(const struct config_key *k, void *base, const char *word, size_t len, char *err, size_t errsz)
{
	if (k->type == CONFIG_ADDRESSES) {
		char addr[ADDR_BUF];

		if (!addr_normalize(word, len, addr) || strchr(addr, '@') == NULL)
			return errmsg_set(err, errsz, "%s: '%s' is not a mail address", k->name, word);
		if (!strlist_add(field(base, k), addr, strlen(addr)))
			return errmsg_set(err, errsz, "%s: too many items (at most %u)", k->name, CAP_LIST_ITEMS);
	} else if (k->type == CONFIG_DOMAINS || k->type == CONFIG_WORDS) {
		if (k->type == CONFIG_DOMAINS && !valid_domain(word, len))
			return errmsg_set(err, errsz, "%s: '%s' is not a domain name", k->name, word);
		if (k->type == CONFIG_WORDS && !config_valid_word(word, len))
			return errmsg_set(err, errsz, "%s: '%s' is not a claim value", k->name, word);
		if (!strlist_add(field(base, k), word, len))
			return errmsg_set(err, errsz, "%s: too many items (at most %u)", k->name, CAP_LIST_ITEMS);
	} else if (k->type == CONFIG_CIDRS) {
		struct cidr_list *l = field(base, k);

		if (l->n >= CAP_LIST_ITEMS)
			return errmsg_set(err, errsz, "%s: too many items (at most %u)", k->name, CAP_LIST_ITEMS);
		if (!cidr_parse(word, &l->items[l->n]))
			return errmsg_set(err, errsz, "%s: '%s' is not an address or network (like 192.0.2.0/24 or 2001:db8::/32)",
					  k->name, word);
		l->n++;
	} else {
		struct resource_list *l = field(base, k);
		const char *why = "";

		if (l->n >= CAP_LIST_ITEMS)
			return errmsg_set(err, errsz, "%s: too many items (at most %u)", k->name, CAP_LIST_ITEMS);
		if (!resource_list_add(l, word, &why))
			return errmsg_set(err, errsz, "%s: '%s' %s", k->name, word, why);
	}
	return true;
}

static bool parse_list(const struct config_key *k, void *base, const char *value, char *err, size_t errsz)
{
	const char *p = value, *w;
	char word[CAP_URL_BYTES];
	size_t len;

	while (config_next_word(&p, &w, &len)) {
		if (len >= sizeof(word))
			return errmsg_set(err, errsz, "%s: item too long", k->name);
		for (size_t i = 0; i < len; i++)
			word[i] = k->type == CONFIG_DOMAINS ? (char)lower_ascii(w[i]) : w[i];
		word[len] = '\0';
		if (!add_word(k, base, word, len, err, errsz))
			return false;
	}
	return true;
}

static void clear_list(const struct config_key *k, void *base)
{
	if (is_strlist(k))
		strlist_clear(field(base, k));
	else if (k->type == CONFIG_CIDRS)
		((struct cidr_list *)field(base, k))->n = 0;
	else
		resource_list_free(field(base, k));
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
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

static bool check_range(const struct config_key *k, long long v, const char *value, char *err, size_t errsz)
{
	if (v < k->min || v > k->max)
		return errmsg_set(err, errsz, "%s = %s is out of range (%lld to %lld%s)", k->name, value, k->min, k->max,
				  k->type == CONFIG_DURATION ? " seconds" : k->type == CONFIG_SIZE ? " bytes" : "");
	return true;
}

/* set_enum - the index of value in k->words; "is neither a nor b" (or "is not one of ...") otherwise */
static bool set_enum(const struct config_key *k, void *base, const char *value, char *err, size_t errsz)
{
	char list[CAP_ERRMSG / 2] = "";
	size_t n = 0, off = 0;

	for (; k->words[n] != NULL; n++)
		if (strcmp(value, k->words[n]) == 0)
			return (*(int *)field(base, k) = (int)n), true;
	if (n == 2)
		return errmsg_set(err, errsz, "%s: '%s' is neither %s nor %s", k->name, value, k->words[0], k->words[1]);
	for (size_t i = 0; i < n && off < sizeof(list); i++) {
		int w = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", k->words[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	return errmsg_set(err, errsz, "%s: '%s' is not one of %s", k->name, value, list);
}

/* set_value - parse one value into its field; false with a reason */
static bool set_value(const struct config_key *k, void *base, const char *value, char *err, size_t errsz)
{
	char why[CAP_ERRMSG];
	long long v;

	switch (k->type) {
	case CONFIG_STRING:
		return set_string(field(base, k), value, err, errsz);
	case CONFIG_CHECKED:
		if (!k->check(value, why, sizeof(why)))
			return errmsg_set(err, errsz, "%s: %s", k->name, why);
		return set_string(field(base, k), value, err, errsz);
	case CONFIG_PATH:
		if (value[0] == '\0')
			return errmsg_set(err, errsz, "%s: empty path", k->name);
		/* Security: a relative key path ("../x") names another file for each directory a daemon or
		 * otpctl is started in. */
		if (value[0] != '/')
			return errmsg_set(err, errsz, "%s: '%s' is not an absolute path", k->name, value);
		return set_string(field(base, k), value, err, errsz);
	case CONFIG_BASE_URL: {
		struct url u;
		size_t len = strlen(value);

		while (len > 0 && value[len - 1] == '/')
			len--;
		if (!url_parse(value, len, &u) || !u.bare)
			return errmsg_set(err, errsz, "%s: '%s' is not an http(s) URL of a host (like https://guest.example.org)",
					  k->name, value);
		if (!set_string(field(base, k), value, err, errsz))
			return false;
		(*(char **)field(base, k))[len] = '\0';
		return true;
	}
	case CONFIG_DOMAINS:
	case CONFIG_CIDRS:
	case CONFIG_RESOURCES:
	case CONFIG_WORDS:
	case CONFIG_ADDRESSES:
		return parse_list(k, base, value, err, errsz);
	case CONFIG_DOMAIN: {
		size_t len = strlen(value);

		if (len > 0 && !valid_domain_ci(value, len))
			return errmsg_set(err, errsz, "%s: '%s' is not a domain name", k->name, value);
		if (!set_string(field(base, k), value, err, errsz))
			return false;
		for (char *c = *(char **)field(base, k); *c; c++)
			*c = (char)lower_ascii(*c);
		return true;
	}
	case CONFIG_ENUM:
		return set_enum(k, base, value, err, errsz);
	case CONFIG_DURATION:
		if (!config_parse_duration(value, &v))
			return errmsg_set(err, errsz, "%s: '%s' is not a duration (a number with s, m, h or d)", k->name, value);
		if (!check_range(k, v, value, err, errsz))
			return false;
		*(long long *)field(base, k) = v;
		return true;
	case CONFIG_SIZE:
		if (!parse_size(value, &v))
			return errmsg_set(err, errsz, "%s: '%s' is not a size (a number with k, m or g)", k->name, value);
		if (!check_range(k, v, value, err, errsz))
			return false;
		*(long long *)field(base, k) = v;
		return true;
	case CONFIG_INT:
		if (!config_parse_number(value, &v))
			return errmsg_set(err, errsz, "%s: '%s' is not a whole number", k->name, value);
		if (!check_range(k, v, value, err, errsz))
			return false;
		*(long long *)field(base, k) = v;
		return true;
	case CONFIG_BOOL:
		if (!parse_bool(value, field(base, k)))
			return errmsg_set(err, errsz, "%s: '%s' is not yes or no", k->name, value);
		return true;
	}
	return errmsg_set(err, errsz, "%s: unknown type", k->name);
}

/* set_defaults - every default of one section into base */
static bool set_defaults(const struct config_section *sec, void *base, char *err, size_t errsz)
{
	for (size_t i = 0; i < sec->n_keys; i++)
		if (sec->keys[i].dflt != NULL && !set_value(&sec->keys[i], base, sec->keys[i].dflt, err, errsz))
			return false;
	return true;
}

/* instance - the i-th instance of a repeated section in cfg */
static void *instance(const struct config_section *sec, void *cfg, size_t i)
{
	return (char *)cfg + sec->array_offset + i * sec->elem_size;
}

static size_t *instance_count(const struct config_section *sec, void *cfg)
{
	return (size_t *)((char *)cfg + sec->count_offset);
}

static bool valid_name(const struct config_section *sec, const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > sec->max_name)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* prefix_len - "oidc NAME" -> 5, the length of "oidc " */
static size_t prefix_len(const struct config_section *sec)
{
	const char *sp = strchr(sec->name, ' ');

	return sp ? (size_t)(sp - sec->name) + 1 : strlen(sec->name);
}

/* find_section - the state of the section a "[section]" line names (own sections first), or NULL */
static struct section_state *find_section(struct parse_state *st, const char *section)
{
	for (size_t i = 0; i < st->n_ss; i++) {
		const struct config_section *sec = st->ss[i].sec;

		if (sec->repeated ? strncmp(section, sec->name, prefix_len(sec)) == 0 : strcmp(section, sec->name) == 0)
			return &st->ss[i];
	}
	return NULL;
}

/* repeated_index - the instance of "[prefix NAME]", added (with its defaults, when own) on first sight;
 * false with a reason */
static bool repeated_index(struct parse_state *st, struct section_state *s, const char *section, size_t *index)
{
	const struct config_section *sec = s->sec;
	const char *name = section + prefix_len(sec);
	char *copy;

	if (!valid_name(sec, name))
		return errmsg_set(st->err, sizeof(st->err), "[%s]: NAME must be 1 to %u of a-z, 0-9, '-', '_'", section,
				  sec->max_name);
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return (*index = i), true;
	if (s->n >= sec->max_count)
		return errmsg_set(st->err, sizeof(st->err), "too many [%s] sections (at most %u)", sec->name, sec->max_count);
	if ((copy = strdup(name)) == NULL)
		return errmsg_set(st->err, sizeof(st->err), "out of memory");
	s->names[s->n] = copy;
	*index = s->n++;
	if (s->own) {
		void *inst = instance(sec, st->cfg, *index);
		char **slot = (char **)((char *)inst + sec->name_offset);

		memset(inst, 0, sec->elem_size);
		(*instance_count(sec, st->cfg))++;
		if ((*slot = strdup(name)) == NULL)
			return errmsg_set(st->err, sizeof(st->err), "out of memory");
		return set_defaults(sec, inst, st->err, sizeof(st->err));
	}
	return true;
}

/* on_pair - inih handler: 1 to go on, 0 to stop at this line */
static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	struct section_state *s = find_section(st, section);
	const struct config_key *k = NULL;
	size_t idx = 0, i;
	bool *seen;
	void *base;

	if (s == NULL) {
		errmsg_set(st->err, sizeof(st->err), section[0] ? "unknown section [%s]" : "key '%s' outside a section",
			   section[0] ? section : name);
		return 0;
	}
	if (s->sec->repeated && !repeated_index(st, s, section, &idx))
		return 0;
	for (i = 0; i < s->sec->n_keys && k == NULL; i++)
		if (strcmp(s->sec->keys[i].name, name) == 0)
			k = &s->sec->keys[i];
	if (k == NULL) {
		errmsg_set(st->err, sizeof(st->err), "unknown key '%s' in [%s]", name, section);
		return 0;
	}
	seen = &s->seen[idx * s->sec->n_keys + (size_t)(k - s->sec->keys)];
	if (*seen && !is_list(k)) {
		errmsg_set(st->err, sizeof(st->err), "[%s] %s is given twice", section, k->name);
		return 0;
	}
	/* The other daemon's key: its name is right; its value is that daemon's to judge. */
	if (!s->own)
		return (*seen = true), 1;
	base = s->sec->repeated ? instance(s->sec, st->cfg, idx) : st->cfg;
	/* The first occurrence of a list replaces its default; later lines (an
	 * indented continuation or the key repeated) add to it. */
	if (!*seen && is_list(k))
		clear_list(k, base);
	*seen = true;
	return set_value(k, base, value, st->err, sizeof(st->err)) ? 1 : 0;
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

static void state_free(struct parse_state *st)
{
	for (size_t i = 0; i < st->n_ss; i++) {
		for (size_t j = 0; j < st->ss[i].n; j++)
			free(st->ss[i].names[j]);
		free(st->ss[i].names);
		free(st->ss[i].seen);
	}
	free(st->ss);
	st->ss = NULL;
	st->n_ss = 0;
}

/* add_sections - a state for each of s's sections not yet known (the common ones come once, as own) */
static bool add_sections(struct parse_state *st, const struct config_schema *s, bool own)
{
	for (size_t i = 0; i < s->n_sections; i++) {
		const struct config_section *sec = s->sections[i];
		struct section_state *ss;
		bool known = false;

		for (size_t j = 0; j < st->n_ss; j++)
			known = known || st->ss[j].sec == sec;
		if (known)
			continue;
		ss = &st->ss[st->n_ss++];
		ss->sec = sec;
		ss->own = own;
		ss->seen = calloc(sec->n_keys * (sec->repeated ? sec->max_count : 1), sizeof(bool));
		ss->names = sec->repeated ? calloc(sec->max_count, sizeof(char *)) : NULL;
		if (ss->seen == NULL || (sec->repeated && ss->names == NULL))
			return false;
		if (own && !sec->repeated && !set_defaults(sec, st->cfg, st->err, sizeof(st->err)))
			return false;
	}
	return true;
}

static bool config_start(const struct config_schema *own, const struct config_schema *const *others,
			 size_t n_others, const char *name, void *cfg, struct parse_state *st, char *err, size_t errsz)
{
	size_t n = own->n_sections;

	memset(cfg, 0, own->size);
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->own = own;
	ini_settings();
	if ((((struct config_common *)cfg)->path = strdup(name)) == NULL)
		return errmsg_set(err, errsz, "out of memory");
	for (size_t i = 0; i < n_others; i++)
		n += others[i]->n_sections;
	if ((st->ss = calloc(n, sizeof(*st->ss))) == NULL || !add_sections(st, own, true))
		return errmsg_set(err, errsz, "%s", st->err[0] ? st->err : "out of memory");
	for (size_t i = 0; i < n_others; i++)
		if (!add_sections(st, others[i], false))
			return errmsg_set(err, errsz, "out of memory");
	return true;
}

/* config_finish - turn inih's result into our message */
static bool config_finish(int rc, const char *name, struct parse_state *st, char *err, size_t errsz)
{
	bool ok;

	if (rc == 0)
		ok = st->own->finish == NULL || st->own->finish(st->cfg, name, err, errsz);
	else if (rc == -1)
		ok = errmsg_set(err, errsz, "%s: cannot open: %s", name, strerror(errno));
	else if (rc == -2)
		ok = errmsg_set(err, errsz, "%s: out of memory", name);
	else if (st->err[0] == '\0')
		ok = errmsg_set(err, errsz, "%s:%d: syntax error (expected [section], key = value, or a comment)", name, rc);
	else
		ok = errmsg_set(err, errsz, "%s:%d: %s", name, rc, st->err);
	state_free(st);
	return ok;
}

bool config_load(const struct config_schema *own, const struct config_schema *const *others, size_t n_others,
		 const char *path, void *cfg, char *err, size_t errsz)
{
	struct parse_state st;

	if (!config_start(own, others, n_others, path, cfg, &st, err, errsz)) {
		state_free(&st);
		config_free(own, cfg);
		return false;
	}
	errno = 0;
	if (config_finish(ini_parse(path, on_pair, &st), path, &st, err, errsz))
		return true;
	config_free(own, cfg);
	return false;
}

bool config_load_string(const struct config_schema *own, const struct config_schema *const *others,
			size_t n_others, const char *name, const char *text, void *cfg, char *err, size_t errsz)
{
	struct parse_state st;

	if (!config_start(own, others, n_others, name, cfg, &st, err, errsz)) {
		state_free(&st);
		config_free(own, cfg);
		return false;
	}
	if (config_finish(ini_parse_string(text, on_pair, &st), name, &st, err, errsz))
		return true;
	config_free(own, cfg);
	return false;
}

static bool is_set(const void *base, const struct config_key *k)
{
	const void *f = (const char *)base + k->offset;

	if (is_strlist(k))
		return ((const struct strlist *)f)->n > 0;
	if (k->type == CONFIG_RESOURCES)
		return ((const struct resource_list *)f)->n > 0;
	if (is_string(k)) {
		const char *s = *(char *const *)f;

		return s != NULL && s[0] != '\0';
	}
	return true;
}

bool config_require(const struct config_schema *s, const void *cfg, unsigned need, char *err, size_t errsz)
{
	for (size_t i = 0; i < s->n_sections; i++) {
		const struct config_section *sec = s->sections[i];

		for (size_t j = 0; j < sec->n_keys && !sec->repeated; j++) {
			const struct config_key *k = &sec->keys[j];

			if ((k->need & need) != 0 && !is_set(cfg, k))
				return errmsg_set(err, errsz, "%s: [%s] %s must be set (%s)",
						  ((const struct config_common *)cfg)->path, sec->name, k->name, k->doc);
		}
	}
	return true;
}

/* free_keys - the strings and lists of one section's fields in base */
static void free_keys(const struct config_section *sec, void *base)
{
	for (size_t i = 0; i < sec->n_keys; i++) {
		const struct config_key *k = &sec->keys[i];

		if (is_list(k))
			clear_list(k, base);
		else if (is_string(k)) {
			char **slot = field(base, k);

			free(*slot);
			*slot = NULL;
		}
	}
}

void config_free(const struct config_schema *s, void *cfg)
{
	struct config_common *c = cfg;

	for (size_t i = 0; i < s->n_sections; i++) {
		const struct config_section *sec = s->sections[i];

		if (!sec->repeated) {
			free_keys(sec, cfg);
			continue;
		}
		for (size_t j = 0; j < *instance_count(sec, cfg); j++) {
			char **name = (char **)((char *)instance(sec, cfg, j) + sec->name_offset);

			free_keys(sec, instance(sec, cfg, j));
			free(*name);
			*name = NULL;
		}
		*instance_count(sec, cfg) = 0;
	}
	free(c->path);
	c->path = NULL;
}

static void print_section(FILE *out, const struct config_section *sec, bool first)
{
	fprintf(out, "%s### [%s]\n\n", first ? "" : "\n", sec->name);
	if (sec->repeated)
		fprintf(out, "Any number of these, one per %s; NAME is 1 to %u of `a-z 0-9 - _` (see *%s* below).\n\n",
			sec->one_per, sec->max_name, sec->see);
	fprintf(out, "| key | default | meaning |\n|---|---|---|\n");
	for (size_t i = 0; i < sec->n_keys; i++) {
		const struct config_key *k = &sec->keys[i];
		bool quoted = k->dflt != NULL && k->dflt[0] != '\0';

		fprintf(out, "| `%s` | %s%s%s | %s |\n", k->name, quoted ? "`" : "",
			k->dflt == NULL ? "(required)" : k->dflt[0] ? k->dflt : "(empty)", quoted ? "`" : "", k->doc);
	}
}

/* listed_before - is sec among the sections of schemas before (i, j)? (the common ones are in each) */
static bool listed_before(const struct config_schema *const *schemas, size_t i, size_t j,
			  const struct config_section *sec)
{
	for (size_t a = 0; a <= i; a++)
		for (size_t b = 0; b < (a == i ? j : schemas[a]->n_sections); b++)
			if (schemas[a]->sections[b] == sec)
				return true;
	return false;
}

void config_print_reference(FILE *out, const struct config_schema *const *schemas, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < schemas[i]->n_sections; j++)
			if (!listed_before(schemas, i, j, schemas[i]->sections[j]))
				print_section(out, schemas[i]->sections[j], i == 0 && j == 0);
}

bool config_is_internal(const struct config_common *cfg, const char *addr)
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
