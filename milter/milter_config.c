/*
 * milter_config.c - the [milter] table, and the milter's schema: the common
 * sections, [milter], and otpd's sections known by name (see milter_config.h).
 *
 * Failure: as the engine (shared/config.c): the first bad line stops the
 * load with file:line and what was expected.
 */
#include "milter_config.h"

#include <assert.h>
#include <string.h>

#include "caps.h"
#include "errmsg.h"
#include "otpd_config.h"

#define OFF(f) offsetof(struct milter_config, f)
#define DAY (24LL * 3600)

/* The engine finds path and the common keys at the start of the struct, and stores an enum as an int. */
static_assert(offsetof(struct milter_config, common) == 0, "common fields first");
static_assert(sizeof(enum trigger) == sizeof(int), "an enum key is stored as an int");

/*
 * check_socket - unix:/path or local:/path (libmilter's unix-domain forms).
 * Security: the milter believes the macros its peer sends ({auth_authen} names the inviter), so whoever
 * can connect to its socket signs invitations as any staff login. A unix socket (0660, the milter's
 * group, which Postfix joins) keeps local users out; a TCP socket (inet:, inet6:) would let every user
 * of the host in (red team 2, finding 02), so it is refused, whatever the address.
 */
static bool check_socket(const char *v, char *why, size_t whysz)
{
	if ((strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) && strchr(v, '/') != NULL)
		return true;
	if (strncmp(v, "inet:", 5) == 0 || strncmp(v, "inet6:", 6) == 0)
		return errmsg_set(why, whysz,
				  "'%s': a TCP socket would let every local user sign invitations (the milter trusts what "
				  "its peer says about the sender); use unix:/path, e.g. unix:/var/spool/postfix/guestlink/milter.sock",
				  v);
	return errmsg_set(why, whysz, "'%s' is not unix:/path", v);
}

static const char *const trigger_words[] = { "tag", "link", NULL };

static const struct config_key milter_keys[] = {
	{ "socket", CONFIG_CHECKED, "unix:/run/guestlink/milter.sock", OFF(socket), 0, 0, 0,
	  .doc = "Where the milter listens: `unix:/path` (mode 0660, the milter's group; Postfix must be in it or reach it in its chroot). TCP sockets (`inet:`) are refused: the milter trusts what its peer says about the sender, so a TCP socket would let every local user sign invitations.", .check = check_socket },
	{ "user", CONFIG_STRING, "", OFF(milter_user), 0, 0, 0,
	  .doc = "User to switch to after opening the socket and key when started as root (required then)." },
	{ "trusted_networks", CONFIG_CIDRS, "127.0.0.1/32 ::1/128", OFF(trusted_networks), 0, 0, 0,
	  .doc = "Client networks whose mail counts as staff mail besides SMTP-authenticated senders." },
	{ "login_domain", CONFIG_DOMAIN, "", OFF(login_domain), 0, 0, 0,
	  .doc = "Domain appended to an SMTP AUTH login that is not an address (`alice` becomes `alice@DOMAIN`) to name the inviter; a login with `@` is the inviter as it is. Empty: an invitation from a bare login is refused (550 5.7.1)." },
	{ "local_submitters", CONFIG_ADDRESSES, "", OFF(local_submitters), 0, 0, 0,
	  .doc = "Envelope senders allowed to send invitations with the local `sendmail` command (`non_smtpd_milters`); pair with Postfix's `local_login_sender_maps` so a local user cannot pick another's. Empty: local invitations are refused (550 5.7.1)." },
	{ "subject_tag", CONFIG_STRING, "[invite]", OFF(subject_tag), 0, 0, 0,
	  .doc = "Subject tag that marks an invitation (case-insensitive); removed from the subject." },
	{ "trigger", CONFIG_ENUM, "tag", OFF(trigger), 0, 0, 0,
	  .doc = "`tag`: only tagged mail is an invitation; `link`: any staff mail to a guest with a resource link.", .words = trigger_words },
	{ "resources", CONFIG_RESOURCES, NULL, OFF(resources), 0, 0, CONFIG_NEED_MILTER,
	  .doc = "Space-separated URL prefixes of resources guests may be invited to." },
	{ "link_ttl", CONFIG_DURATION, "7d", OFF(link_ttl), 60, 366 * DAY, 0,
	  .doc = "How long an accept link stays valid." },
	{ "max_recipients", CONFIG_INT, "50", OFF(max_recipients), 1, CAP_GUESTS, 0,
	  .doc = "Most guests in one invitation; more is refused with a 5xx that says so." },
	{ "max_message_size", CONFIG_SIZE, "32m", OFF(max_message_size), 64 * 1024, CAP_MESSAGE_BYTES, 0,
	  .doc = "Largest invitation the milter rewrites; a larger one is refused with 552 5.3.4." },
	{ "otpd_url", CONFIG_STRING, "", OFF(otpd_url), 0, 0, 0,
	  .doc = "Where the milter reports each invitation (otpd's base URL, e.g. `http://127.0.0.1:8080`); empty: no reports. Best effort, 2 s timeout." },
};

static const struct config_section milter_section = {
	.name = "milter", .keys = milter_keys, .n_keys = sizeof(milter_keys) / sizeof(milter_keys[0]),
};

static const struct config_section *const milter_sections[] = {
	&config_section_guestlink, &config_section_keys, &milter_section,
};

const struct config_schema milter_config_schema = {
	.daemon = "milter",
	.sections = milter_sections,
	.n_sections = sizeof(milter_sections) / sizeof(milter_sections[0]),
	.size = sizeof(struct milter_config),
};

/* The file is otpd's too: its sections are accepted, their key names checked, their values not. */
static const struct config_schema *const others[] = { &otpd_config_schema };

bool milter_config_load(const char *path, struct milter_config *cfg, char *err, size_t errsz)
{
	return config_load(&milter_config_schema, others, 1, path, cfg, err, errsz);
}

bool milter_config_load_string(const char *name, const char *text, struct milter_config *cfg, char *err,
			       size_t errsz)
{
	return config_load_string(&milter_config_schema, others, 1, name, text, cfg, err, errsz);
}

bool milter_config_require(const struct milter_config *cfg, char *err, size_t errsz)
{
	return config_require(&milter_config_schema, cfg, CONFIG_NEED_MILTER, err, errsz);
}

void milter_config_free(struct milter_config *cfg)
{
	config_free(&milter_config_schema, cfg);
}
