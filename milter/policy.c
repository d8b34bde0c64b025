/*
 * policy.c - the invitation rules and the replies (see policy.h).
 *
 * No allocation, no failure modes: every function is total over its input.
 */
#include "policy.h"

#include <stdio.h>
#include <string.h>

#include "caps.h"

/* login_address - the SASL login as an address: itself, or login@login_domain; false if neither */
static bool login_address(const struct milter_config *cfg, const char *login, char out[ADDR_BUF])
{
	char joined[2 * ADDR_BUF];
	size_t len = strlen(login);
	int n;

	if (memchr(login, '@', len) != NULL)
		return addr_normalize(login, len, out) && strchr(out, '@') != NULL;
	if (cfg->login_domain[0] == '\0')
		return false;
	n = snprintf(joined, sizeof(joined), "%s@%s", login, cfg->login_domain);
	return n > 0 && (size_t)n < sizeof(joined) && addr_normalize(joined, (size_t)n, out);
}

/* listed - is the normalized address one of the list's (normalized) items? */
static bool listed(const struct strlist *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], addr) == 0)
			return true;
	return false;
}

/* staff_of - who the inviter is (see policy_staff) */
static enum staff_reason staff_of(const struct milter_config *cfg, const char *auth_authen, const char *sender,
				  bool addr_trusted, bool local, char inviter[ADDR_BUF])
{
	inviter[0] = '\0';
	if (auth_authen != NULL && auth_authen[0] != '\0') {
		if (login_address(cfg, auth_authen, inviter))
			return STAFF_AUTH;
		inviter[0] = '\0';
		return STAFF_LOGIN_REFUSED;
	}
	/*
	 * Security: any account on the mail host can run sendmail, and sendmail
	 * mail comes from 127.0.0.1: checked before trusted_networks, so a
	 * trusted loopback does not let every local account invite.
	 */
	if (local) {
		if (sender[0] == '\0' || !listed(&cfg->local_submitters, sender))
			return STAFF_LOCAL_REFUSED;
		snprintf(inviter, ADDR_BUF, "%s", sender);
		return STAFF_LOCAL;
	}
	if (addr_trusted) {
		snprintf(inviter, ADDR_BUF, "%s", sender);
		return STAFF_NETWORK;
	}
	return STAFF_NO;
}

enum staff_reason policy_staff(const struct milter_config *cfg, const char *auth_authen, const char *sender,
			       bool addr_trusted, bool local, char inviter[ADDR_BUF])
{
	enum staff_reason s = staff_of(cfg, auth_authen, sender, addr_trusted, local, inviter);

	/*
	 * Security: the inviter is shown to guests as who invited them. Whatever
	 * made the mail staff mail, it must name an address of the organisation,
	 * so a trusted host cannot sign "security-team@bank.example invited you".
	 */
	if ((s == STAFF_AUTH || s == STAFF_LOCAL || s == STAFF_NETWORK) && !config_is_internal(&cfg->common, inviter)) {
		inviter[0] = '\0';
		return STAFF_INVITER_REFUSED;
	}
	return s;
}

/* refused_verdict - the refusal of a tagged mail from a refused staff reason */
static enum verdict refused_verdict(enum staff_reason s)
{
	return s == STAFF_LOCAL_REFUSED ? VERDICT_REJECT_LOCAL
	       : s == STAFF_LOGIN_REFUSED ? VERDICT_REJECT_LOGIN
					  : VERDICT_REJECT_INVITER;
}

static bool staff_refused(enum staff_reason s)
{
	return s == STAFF_LOCAL_REFUSED || s == STAFF_LOGIN_REFUSED || s == STAFF_INVITER_REFUSED;
}

bool policy_wants_body(const struct milter_config *cfg, const struct policy_msg *m)
{
	if (m->staff == STAFF_NO)
		return false;
	/* Only to refuse a tagged one with words that say why; never rewritten. */
	if (staff_refused(m->staff))
		return m->tagged && (m->n_guests > 0 || m->n_bad > 0);
	/* A tagged mail to an odd outside address only: refused below, never sent on with its tag. */
	if (m->n_guests == 0 && !(m->tagged && m->n_bad > 0))
		return false;
	return m->tagged || cfg->trigger == TRIGGER_LINK;
}

enum verdict policy_before_rewrite(const struct milter_config *cfg, const struct policy_msg *m)
{
	if (!policy_wants_body(cfg, m))
		return VERDICT_PASS;
	if (staff_refused(m->staff))
		return refused_verdict(m->staff);
	if (m->too_big)
		/* An untagged mail in link mode may be ordinary mail: never refuse it for size. */
		return m->tagged ? VERDICT_REJECT_TOO_BIG : VERDICT_PASS;
	/*
	 * Security: an outside recipient whose address we refuse (quotes, spaces,
	 * brackets...) cannot be a guest; staff asked for an invitation, so say so
	 * instead of sending it on with the address silently left out.
	 */
	if (m->tagged && m->n_bad > 0)
		return VERDICT_REJECT_BAD_ADDRESS;
	if (m->tagged && m->n_guests > (size_t)cfg->max_recipients)
		return VERDICT_REJECT_TOO_MANY;
	return VERDICT_REWRITE;
}

enum verdict policy_after_rewrite(const struct milter_config *cfg, const struct policy_msg *m, enum rewrite_result r)
{
	if (!policy_wants_body(cfg, m))
		return VERDICT_PASS;
	if (staff_refused(m->staff))
		return refused_verdict(m->staff);
	if (m->tagged && m->n_bad > 0)
		return VERDICT_REJECT_BAD_ADDRESS;
	switch (r) {
	case REWRITE_CHANGED:
		/* link mode: links found make it an invitation, so the guest cap holds too */
		return m->n_guests > (size_t)cfg->max_recipients ? VERDICT_REJECT_TOO_MANY : VERDICT_REWRITE;
	case REWRITE_UNCHANGED:
		return m->tagged ? VERDICT_REJECT_NO_LINK : VERDICT_PASS;
	case REWRITE_SIGNED:
		return m->tagged ? VERDICT_REJECT_SIGNED : VERDICT_PASS;
	case REWRITE_MALFORMED:
		/*
		 * Security: never send an invitation unrewritten. The fault is in the
		 * message itself, so a retry would get the same answer: refuse it for
		 * good, and say what to do (policy_reply_why).
		 */
		return VERDICT_REJECT_MALFORMED;
	case REWRITE_ERROR:
		/* Security: never send an invitation unrewritten; the client keeps it and retries. */
		return VERDICT_TEMPFAIL;
	}
	return VERDICT_TEMPFAIL;
}

void policy_reply(const struct milter_config *cfg, enum verdict v, char *text, size_t textsz, struct policy_reply *out)
{
	policy_reply_why(cfg, v, NULL, text, textsz, out);
}

void policy_reply_why(const struct milter_config *cfg, enum verdict v, const char *why, char *text, size_t textsz,
		      struct policy_reply *out)
{
	const char *first = cfg->resources.n ? cfg->resources.items[0].text : "https://...";

	out->rcode = NULL;
	out->xcode = NULL;
	out->text = text;
	text[0] = '\0';
	switch (v) {
	case VERDICT_PASS:
	case VERDICT_REWRITE:
		return;
	case VERDICT_REJECT_NO_LINK:
		out->rcode = "550";
		out->xcode = "5.7.1";
		snprintf(text, textsz,
			 "This mail is marked as an invitation (%s in the subject) but has no link to a shared "
			 "resource. Add the link of what you share (it starts with %s%s), or remove %s from the subject.",
			 cfg->subject_tag, first, cfg->resources.n > 1 ? " or another configured address" : "",
			 cfg->subject_tag);
		return;
	case VERDICT_REJECT_SIGNED:
		out->rcode = "550";
		out->xcode = "5.7.1";
		snprintf(text, textsz,
			 "Invitations cannot be signed or encrypted, because the links in them must be changed. "
			 "Send it again unsigned and unencrypted.");
		return;
	case VERDICT_REJECT_TOO_MANY:
		out->rcode = "550";
		out->xcode = "5.5.3";
		snprintf(text, textsz,
			 "Too many guests in one invitation (at most %lld outside the organisation). "
			 "Send it in smaller groups.", cfg->max_recipients);
		return;
	case VERDICT_REJECT_TOO_BIG:
		out->rcode = "552";
		out->xcode = "5.3.4";
		snprintf(text, textsz,
			 "This invitation is too large to process (at most %lld bytes and %u header fields). "
			 "Share attachments as a link instead.", cfg->max_message_size, CAP_HEADER_COUNT);
		return;
	case VERDICT_REJECT_BAD_ADDRESS:
		out->rcode = "550";
		out->xcode = "5.1.3";
		snprintf(text, textsz,
			 "A recipient outside the organisation has an address an invitation cannot carry (quotes, "
			 "spaces, brackets, commas or semicolons). Invite each guest at a plain address such as "
			 "name@example.com.");
		return;
	case VERDICT_REJECT_LOCAL:
		out->rcode = "550";
		out->xcode = "5.7.1";
		snprintf(text, textsz,
			 "Invitations cannot be sent with the sendmail command on the mail server from this account: "
			 "only the senders in local_submitters of guestlink.conf may. Send the invitation from your "
			 "mail client, logged in with your own account.");
		return;
	case VERDICT_REJECT_LOGIN:
		out->rcode = "550";
		out->xcode = "5.7.1";
		snprintf(text, textsz,
			 "You are logged in as a name that is not an email address, so the invitation cannot name you "
			 "as the inviter. Log in with your email address, or ask the mail administrator to set "
			 "login_domain in the [milter] section of guestlink.conf.");
		return;
	case VERDICT_REJECT_INVITER:
		out->rcode = "550";
		out->xcode = "5.7.1";
		snprintf(text, textsz,
			 "Invitations must come from an address of %s (internal_domains of guestlink.conf): "
			 "the sender of this one is not, so it was not sent. Send it from your own address at %s.",
			 cfg->org_name, cfg->internal_domains.n > 0 ? cfg->internal_domains.items[0] : "the organisation");
		return;
	case VERDICT_REJECT_MALFORMED:
		/* RFC 3463 5.6.0: other or undefined media error; permanent, the message is at fault. */
		out->rcode = "550";
		out->xcode = "5.6.0";
		snprintf(text, textsz,
			 "This invitation's MIME structure is broken (%s), so its links cannot be changed safely; "
			 "it was not sent. Sending it again will not help: write it as a new message in your "
			 "mail program (not forwarded, not edited as source) and send that.",
			 why ? why : "a structure mail programs read differently");
		return;
	case VERDICT_TEMPFAIL:
		out->rcode = "451";
		out->xcode = "4.7.1";
		snprintf(text, textsz, "The invitation could not be processed right now; it was not sent. Try again later.");
		return;
	}
}

const char *policy_verdict_word(enum verdict v)
{
	static const char *const words[] = { "pass", "rewrite", "reject_no_link", "reject_signed",
					     "reject_too_many", "reject_too_big", "tempfail",
					     "reject_bad_address", "reject_local", "reject_login", "reject_malformed", "reject_inviter" };

	return (unsigned)v < sizeof(words) / sizeof(words[0]) ? words[v] : "unknown";
}

const char *policy_staff_word(enum staff_reason s)
{
	static const char *const words[] = { "no", "auth", "network", "local", "local_refused", "login_refused", "inviter_refused" };

	return (unsigned)s < sizeof(words) / sizeof(words[0]) ? words[s] : "unknown";
}
