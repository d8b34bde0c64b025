/*
 * flow.c - the accept flow (see flow.h).
 *
 * Limit keys in the limits database (one prefix byte, then):
 *   'i' slot     code mails to an address asked for from a client (slot: client and address; every
 *                invitation and /login); never two addresses in one count (findings 04/05, below)
 *   'r' client   provider redirects asked for from a client (idp.c, flow_take_step)
 *   't' client   typed digits (and malformed codes) from a client; never a mail key
 *   'm' slot     second-factor tries of a session's address from a client (slot: client and address;
 *                signin_factor: the MFA steps and /account)
 *   'g' slot     mail_interval between code mails (invitation and address)
 *   'h' slot     mails_per_hour (invitation and address)
 *   'e' slot     the last code mail's code is live (invitation and address; expires with that code):
 *                written for decoys too. While it is live the 'g'/'h' limits hold back a new mail (the
 *                guest has a working one); once it has expired they do not (finding 06: who knows only
 *                the address cannot spend the limits and leave the guest without a live code).
 *   'f' addr     wrong second-factor codes of an address (signin_factor): max_failed_tries a
 *                day, from every client and session; only time gives them back (red team 4,
 *                finding 03). Only someone who got past the emailed code can fail there.
 *   'b' slot     the guess budget: emailed digits compared for the invitation and
 *                address, count (4); kept for the invitation's life (/login: a
 *                fixed window of GUESS_WINDOW from the first guess). At
 *                max_failed_tries no digits are compared any more; the mail key
 *                (the link in every code mail) still works, so the guest is never
 *                locked out. Only compared digits count: a try for an address with
 *                no live code, or for dead digits, spends nothing.
 * slot/addr = keyed BLAKE2b-128 (limit key), so no address is a key.
 *
 * Security: no mail limit counts two addresses together. A count that only real mails spend tells the
 * holder of a link whether another address is a guest (bring it to one left with mails to yourself, ask
 * for the candidate, then for yourself: your own mail comes iff the candidate got none); a count that
 * made-up addresses spend too lets a neighbour on the guest's client address spend the guest's mails.
 * So every mail limit is per address: 'g' and 'h' per invitation, 'i' per client across invitations.
 *
 * Returning guests (/login) use the same machinery with a pseudo
 * invitation: id FLOW_LOGIN_ID, issued at 0, no inviter; "invited" means
 * "has a guest record". Unknown addresses do the same write transaction as
 * known ones and get the same answers; no mail goes to them.
 */
#include "flow.h"
#include "bytes.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "gcra.h"
#include "guest.h"
#include "mfa.h"
#include "invite.h"
#include "log.h"
#include "signin_finish.h"

#define FAIL_KEEP (400ull * 24 * 3600)	/* longer than any link: "invite again" stays true */
#define LIMIT_KEY_LEN 17
#define GUESS_WINDOW (7ull * 24 * 3600)	/* /login's guess budget window: the default link_ttl */

void flow_client_from_text(const char *ip, struct flow_client *out)
{
	uint8_t a[16];

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, ip, a) == 1) {
		out->key[0] = 4;
		memcpy(out->key + 1, a, 4);
		out->len = 5;
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0) {
			out->key[0] = 4;
			memcpy(out->key + 1, a + 12, 4);
			out->len = 5;
		} else {
			out->key[0] = 6;
			memcpy(out->key + 1, a, 8);	/* the /64 */
			out->len = 9;
		}
	} else {
		out->key[0] = 0;	/* no usable address: one shared bucket */
		out->len = 1;
	}
}

struct link_check {
	const uint8_t *id;
	uint64_t now;
	bool revoked;
};

static enum store_status check_revoked(struct store_txn *txn, void *arg)
{
	struct link_check *c = arg;

	c->revoked = invite_is_revoked(txn, c->id, c->now);
	return STORE_OK;
}

enum link_status flow_link(const struct flow_ctx *fx, const char *text, size_t len, uint64_t now, struct token *t)
{
	struct link_check c;
	enum token_status ts;

	if (len > CAP_TOKEN_BYTES)
		return LINK_INVALID;
	ts = token_verify(text, len, fx->ring, now, t);
	if (ts == TOKEN_EXPIRED)
		return LINK_EXPIRED;
	if (ts != TOKEN_OK)
		return LINK_INVALID;
	c.id = t->id;
	c.now = now;
	c.revoked = false;
	if (store_read(fx->st, check_revoked, &c) != STORE_OK)
		return LINK_UNAVAILABLE;
	return c.revoked ? LINK_REVOKED : LINK_OK;
}

/* limit_key - prefix byte, then a keyed hash of the parts */
static void limit_key(const struct secrets *keys, char prefix, const uint8_t *inv, const char *addr,
		      uint8_t out[LIMIT_KEY_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, keys->limit, sizeof(keys->limit), LIMIT_KEY_LEN - 1);
	if (inv != NULL)
		crypto_generichash_update(&st, inv, TOKEN_ID_LEN);
	crypto_generichash_update(&st, (const uint8_t *)addr, strlen(addr));
	crypto_generichash_final(&st, out + 1, LIMIT_KEY_LEN - 1);
	out[0] = (uint8_t)prefix;
}

static void client_key(char prefix, const struct flow_client *c, uint8_t out[10], size_t *len)
{
	out[0] = (uint8_t)prefix;
	memcpy(out + 1, c->key, c->len);
	*len = c->len + 1;
}

const uint8_t FLOW_LOGIN_ID[TOKEN_ID_LEN] = "guestlink-login";

struct session_limits flow_session_limits(const struct flow_ctx *fx)
{
	struct session_limits lim = { (uint64_t)fx->cfg->session_ttl, (uint64_t)fx->cfg->session_idle };

	return lim;
}

/* second_factor_limit - max_failed_tries wrong second-factor codes per address a day ('f' bucket) */
static struct gcra_limit second_factor_limit(const struct flow_ctx *fx)
{
	struct gcra_limit lim = { 86400000u / (uint64_t)fx->cfg->max_failed_tries, (uint64_t)fx->cfg->max_failed_tries };

	return lim;
}

/* flow_locked_out - has addr used up its wrong second-factor codes? *retry_after: seconds until one more.
 * Security (red team 4, finding 03): nothing but time gives the bucket back. It used to start again with
 * every session begun after the last failure, so whoever reads the guest's mailbox (the one attacker the
 * second factor is for) got max_failed_tries more guesses with each code mail. */
bool flow_locked_out(struct store_txn *txn, const struct flow_ctx *fx, const char *addr, uint64_t now,
		     uint64_t *retry_after)
{
	struct gcra_limit lim = second_factor_limit(fx);
	uint8_t key[LIMIT_KEY_LEN];
	uint64_t next, wait = 0;

	limit_key(fx->keys, 'f', NULL, addr, key);
	if (gcra_check(&lim, gcra_load(txn, key, sizeof(key), now * 1000), now * 1000, &next, &wait))
		return false;
	*retry_after = (wait + 999) / 1000;
	return true;
}

enum store_status flow_count_failure(struct store_txn *txn, const struct flow_ctx *fx, const char *addr, uint64_t now)
{
	struct gcra_limit lim = second_factor_limit(fx);
	uint8_t key[LIMIT_KEY_LEN];
	uint64_t tat, next, wait;

	limit_key(fx->keys, 'f', NULL, addr, key);
	tat = gcra_load(txn, key, sizeof(key), now * 1000);
	if (!gcra_check(&lim, tat, now * 1000, &next, &wait))
		return STORE_OK;	/* checked first (flow_locked_out): a race only */
	if (!gcra_check(&lim, next, now * 1000, &tat, &wait))
		log_warn("event=address_locked max_failed_tries=%lld", fx->cfg->max_failed_tries);
	return gcra_save(txn, key, sizeof(key), &lim, next);
}

/* guess_budget - digits compared so far for (inv, addr); *exp: when the budget's record expires */
static uint64_t guess_budget(struct store_txn *txn, const struct flow_ctx *fx, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr, uint64_t now, uint64_t *exp)
{
	uint8_t key[LIMIT_KEY_LEN];
	struct store_val v;

	limit_key(fx->keys, 'b', inv, addr, key);
	if (store_get(txn, STORE_LIMITS, key, sizeof(key), now, &v) != STORE_OK || v.len != 4)
		return 0;
	*exp = v.expires_at;
	return be_get(v.data, 4);
}

/* guess_spent - one more compared wrong guess; the record lives until exp (set by the first guess) */
static enum store_status guess_spent(struct store_txn *txn, const struct flow_ctx *fx, const uint8_t inv[TOKEN_ID_LEN],
				     const char *addr, uint64_t count, uint64_t exp)
{
	uint8_t key[LIMIT_KEY_LEN], rec[4];

	limit_key(fx->keys, 'b', inv, addr, key);
	be_put(rec, count, 4);
	if (count == (uint64_t)fx->cfg->max_failed_tries)
		log_warn("event=guess_budget_spent max_failed_tries=%lld", fx->cfg->max_failed_tries);
	return store_put(txn, STORE_LIMITS, key, sizeof(key), rec, sizeof(rec), exp);
}

/* take_tries - one try from the bucket key[klen] (ip_tries_per_hour); *retry_after set when refused */
static bool take_tries(struct store_txn *txn, const struct flow_ctx *fx, const uint8_t *key, size_t klen,
		       uint64_t now, uint64_t *retry_after)
{
	struct gcra_limit ip = { 3600000u / (uint64_t)fx->cfg->ip_tries_per_hour, (uint64_t)fx->cfg->ip_tries_per_hour };
	uint64_t wait = 0;

	if (gcra_take(txn, key, klen, &ip, now * 1000, &wait))
		return true;
	*retry_after = (wait + 999) / 1000;
	return false;
}

bool flow_take_try(struct store_txn *txn, const struct flow_ctx *fx, const struct flow_client *client, uint64_t now,
		   uint64_t *retry_after)
{
	uint8_t ck[10];
	size_t cklen;

	client_key('t', client, ck, &cklen);
	return take_tries(txn, fx, ck, cklen, now, retry_after);
}

bool flow_take_mfa_try(struct store_txn *txn, const struct flow_ctx *fx, const struct flow_client *client,
		       const char *addr, uint64_t now, uint64_t *retry_after)
{
	uint8_t who[TOKEN_ID_LEN] = { 0 }, key[LIMIT_KEY_LEN];

	/* Security: keyed by client and address, so only someone with this guest's code session (the mail)
	 * fills it; a neighbour's wrong codes on the same client address are counted elsewhere. */
	memcpy(who, client->key, client->len);
	who[TOKEN_ID_LEN - 1] = (uint8_t)client->len;
	limit_key(fx->keys, 'm', who, addr, key);
	return take_tries(txn, fx, key, sizeof(key), now, retry_after);
}

enum store_status flow_audit(struct store_txn *txn, uint64_t now, const char *event, const uint8_t inv[TOKEN_ID_LEN],
			     const char *addr)
{
	uint8_t key[12];
	char id[2 * TOKEN_ID_LEN + 1], line[512];
	int n;

	be_put(key, now, 8);
	randombytes_buf(key + 8, 4);
	sodium_bin2hex(id, sizeof(id), inv, TOKEN_ID_LEN);
	n = snprintf(line, sizeof(line), "event=%s invitation=%s guest=%s", event, id, addr);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return STORE_OK;
	return store_put(txn, STORE_AUDIT, key, sizeof(key), line, (size_t)n, now + FLOW_AUDIT_DAYS * 24ull * 3600);
}

/* The code and its mail, made before the write transaction (prepare_code): the random draws, the hashes,
 * composing and encrypting the mail run on the request's own thread, in parallel with the others, and the
 * transaction only stores them. */
struct code_prep {
	bool ok;
	struct code_made code;
	uint8_t slot[LIMIT_KEY_LEN];	/* the outbox slot: 'o' limit key of invitation and address */
	uint8_t *mail;			/* outbox_seal's record */
	size_t mail_len;
};

struct email_work {
	const struct flow_ctx *fx;
	const struct token *t;
	const char *addr;	/* normalized, or NULL when not an address */
	bool invited;
	const struct flow_client *client;
	enum lang lang;
	uint64_t now;
	const char *outcome;	/* for the log line */
	bool queued;
	bool login;		/* /login: "invited" is decided in the transaction (a guest record exists) */
	const char *tok;	/* the link's token text (not NUL-terminated; NULL for /login) */
	size_t tok_len;
	struct code_prep *prep;
	bool account;		/* /account's code for a new authenticator: its own slot (t->id), no mail key link */
	const uint8_t *limit_id;	/* the mail limits' invitation id (NULL: t->id) */
};

/* live_code_key - the 'e' record of w's code slot: present while the last code mailed there is live */
static void live_code_key(const struct email_work *w, uint8_t key[LIMIT_KEY_LEN])
{
	limit_key(w->fx->keys, 'e', w->t->id, w->addr, key);
}

/* mail_limits - mail_interval and mails_per_hour for the invitation and address: may a mail go? false: held
 * back, and then the last code mailed there is still live. *s: a store error (then false too). */
static bool mail_limits(struct store_txn *txn, struct email_work *w, enum store_status *s)
{
	const struct otpd_config *cfg = w->fx->cfg;
	uint8_t gk[LIMIT_KEY_LEN], hk[LIMIT_KEY_LEN], ek[LIMIT_KEY_LEN];
	struct gcra_limit gap = { (uint64_t)cfg->mail_interval * 1000, 1 };
	struct gcra_limit hour = { 3600000u / (uint64_t)cfg->mails_per_hour, (uint64_t)cfg->mails_per_hour };
	const uint8_t *id = w->limit_id != NULL ? w->limit_id : w->t->id;
	uint64_t now_ms = w->now * 1000, g_tat, h_tat, g_new, h_new, wait;
	struct store_val v;
	bool g_ok, h_ok;

	*s = STORE_OK;
	limit_key(w->fx->keys, 'g', id, w->addr, gk);
	limit_key(w->fx->keys, 'h', id, w->addr, hk);
	g_tat = gcra_load(txn, gk, sizeof(gk), now_ms);
	h_tat = gcra_load(txn, hk, sizeof(hk), now_ms);
	g_ok = gcra_check(&gap, g_tat, now_ms, &g_new, &wait);
	h_ok = gcra_check(&hour, h_tat, now_ms, &h_new, &wait);
	if (!g_ok || !h_ok) {
		/* Security (finding 06): the limits are per address, so anyone who knows the address (and holds the
		 * link, or asks at /login) can spend them. They hold a mail back only while the last one's code is
		 * live: the guest then has that mail, whose link works until the code expires. Once it has expired
		 * one more goes, the limits staying spent: at most one mail per code_ttl over them. A decoy writes
		 * the same record, so this tells no guest from a made-up address. */
		live_code_key(w, ek);
		*s = store_get(txn, STORE_LIMITS, ek, sizeof(ek), w->now, &v);
		if (*s != STORE_NOTFOUND)
			return false;	/* live (STORE_OK: held back), or a store error */
		*s = STORE_OK;
		g_new = g_ok ? g_new : g_tat;
		h_new = h_ok ? h_new : h_tat;
	}
	*s = gcra_save(txn, gk, sizeof(gk), &gap, g_new);
	if (*s == STORE_OK)
		*s = gcra_save(txn, hk, sizeof(hk), &hour, h_new);
	return *s == STORE_OK;
}

/* prepare_code - the code and its mail for w->addr, before the transaction; p->ok false if it cannot be made */
static void prepare_code(const struct email_work *w, struct code_prep *p)
{
	const struct flow_ctx *fx = w->fx;
	uint64_t ttl = (uint64_t)fx->cfg->code_ttl;
	char code[CODE_BUF], mkey[CODE_KEY_BUF];
	struct buf msg, link;
	struct mailmsg_params mp = {
		.from = fx->from, .to = w->addr, .org_name = fx->cfg->org_name, .inviter = w->t->inviter,
		.resource = w->t->resource, .code = code, .ttl_minutes = (unsigned)((ttl + 59) / 60),
		.lang = w->lang, .now = w->now,
		.purpose = w->account ? MAIL_NEW_AUTH : w->login ? MAIL_SIGN_IN : MAIL_ACCEPT,
	};

	p->ok = false;
	codes_make(fx->keys, w->t->id, w->addr, w->now, code, mkey, &p->code);
	/* The mail key rides in a link to a confirm page (a GET spends nothing; the page's POST does). */
	buf_init(&link, CAP_URL_BYTES + CAP_TOKEN_BYTES);
	buf_init(&msg, CAP_MAIL_BYTES);
	/* /account's code is typed on the signed-in page only: no step takes its key, so the mail has no link. */
	if (w->account ||
	    (w->login ? buf_printf(&link, "%s/login?k=%s", fx->cfg->public_url, mkey)
		      : buf_printf(&link, "%s/accept/%.*s?k=%s", fx->cfg->public_url, (int)w->tok_len, w->tok, mkey))) {
		mp.link = w->account ? NULL : link.data;
		p->ok = mailmsg_compose(&mp, &msg) &&
			outbox_seal(fx->keys, w->addr, msg.data, msg.len, w->now, &p->mail, &p->mail_len);
	}
	if (link.data != NULL)
		sodium_memzero(link.data, link.len);
	buf_release(&link);
	if (msg.data != NULL)
		sodium_memzero(msg.data, msg.len);
	buf_release(&msg);
	sodium_memzero(code, sizeof(code));
	sodium_memzero(mkey, sizeof(mkey));
	limit_key(fx->keys, 'o', w->t->id, w->addr, p->slot);
}

static void prep_wipe(struct code_prep *p)
{
	outbox_free_sealed(p->mail, p->mail_len);
	sodium_memzero(p, sizeof(*p));
}

/* queue_code - code, mail (made by prepare_code), outbox and audit in one transaction. decoy: the same work
 * for an address that gets no mail, with the code and the queued mail deleted again before the commit. */
static enum store_status queue_code(struct store_txn *txn, struct email_work *w, bool decoy)
{
	const struct code_prep *p = w->prep;
	uint64_t ttl = (uint64_t)w->fx->cfg->code_ttl;
	uint8_t ek[LIMIT_KEY_LEN];
	const uint8_t live = 1;
	enum store_status s;

	if (p == NULL || !p->ok)
		return STORE_ERROR;
	live_code_key(w, ek);
	s = codes_put(txn, &p->code, w->now, ttl);
	if (s == STORE_OK)
		s = store_put(txn, STORE_LIMITS, ek, sizeof(ek), &live, 1, w->now + ttl);
	if (s == STORE_OK)
		s = outbox_put_sealed(txn, p->slot + 1, p->mail, p->mail_len, w->now + ttl);
	if (s == STORE_OK && decoy) {
		s = store_del(txn, STORE_OUTBOX, p->slot + 1, TOKEN_ID_LEN);
		if (s == STORE_OK)
			s = store_del(txn, STORE_CODES, p->code.key, p->code.klen);
		return s;
	}
	if (s == STORE_OK)
		s = flow_audit(txn, w->now, "code_queued", w->t->id, w->addr);
	return s;
}

bool flow_take_step(struct store_txn *txn, const struct flow_ctx *fx, const struct flow_client *client, uint64_t now)
{
	const struct otpd_config *cfg = fx->cfg;
	struct gcra_limit ip = { 3600000u / (uint64_t)cfg->ip_mails_per_hour, (uint64_t)cfg->ip_mails_per_hour };
	uint8_t ck[10];
	size_t cklen;
	uint64_t wait;

	client_key('r', client, ck, &cklen);
	return gcra_take(txn, ck, cklen, &ip, now * 1000, &wait);
}

/* client_mails - the mail bucket of the client and address ('i', ip_mails_per_hour): may one more mail go?
 * *tat: its TAT now.
 * Security: per client and address, never per client alone (see the top of this file): a count of the
 * client's mails to every address would tell a link holder who else is invited (findings 04/05). */
static bool client_mails(struct store_txn *txn, const struct email_work *w, uint8_t ck[LIMIT_KEY_LEN],
			 size_t *cklen, uint64_t *tat)
{
	const struct otpd_config *cfg = w->fx->cfg;
	struct gcra_limit ip = { 3600000u / (uint64_t)cfg->ip_mails_per_hour, (uint64_t)cfg->ip_mails_per_hour };
	uint64_t now_ms = w->now * 1000, next, wait;
	uint8_t who[TOKEN_ID_LEN] = { 0 };

	memcpy(who, w->client->key, w->client->len);
	who[TOKEN_ID_LEN - 1] = (uint8_t)w->client->len;
	/* /account's code (red team 5, finding 04): per session slot, not per client, so a neighbour on the
	 * guest's client address who spends the address's budget at /login does not hold the signed-in
	 * guest's mail back; only that session spends it. */
	limit_key(w->fx->keys, 'i', w->account ? w->t->id : who, w->addr, ck);
	*cklen = LIMIT_KEY_LEN;
	*tat = gcra_load(txn, ck, *cklen, now_ms);
	return gcra_check(&ip, *tat, now_ms, &next, &wait);
}

/* client_mail_spent - write the client's mail bucket: one mail more when sent, else the same state (a TAT in
 * the past means "full", as now does), so a step that sends nothing does the same write */
static enum store_status client_mail_spent(struct store_txn *txn, const struct email_work *w, const uint8_t *ck,
					   size_t cklen, uint64_t tat, bool sent)
{
	const struct otpd_config *cfg = w->fx->cfg;
	struct gcra_limit ip = { 3600000u / (uint64_t)cfg->ip_mails_per_hour, (uint64_t)cfg->ip_mails_per_hour };
	uint64_t now_ms = w->now * 1000, next = tat > now_ms ? tat : now_ms, wait;

	if (sent && !gcra_check(&ip, tat, now_ms, &next, &wait))
		return STORE_ERROR;	/* checked in this transaction: cannot happen */
	return gcra_save(txn, ck, cklen, &ip, next);
}

static enum store_status email_txn(struct store_txn *txn, void *arg)
{
	struct email_work *w = arg;
	enum store_status s;
	uint8_t ck[LIMIT_KEY_LEN];
	size_t cklen;
	uint64_t tat;

	w->queued = false;
	if (w->login && w->addr[0] != '\0')
		w->invited = guest_exists(txn, w->addr, w->now);
	if (!w->invited && w->addr[0] == '\0') {
		w->outcome = "not_an_address";
		return STORE_OK;
	}
	/* Security: the client's mail budget is per address, so a neighbour on the guest's client address (NAT,
	 * proxy, /64) cannot spend it with made-up addresses, and it tells nobody about another address. It is
	 * checked first, so a limited client spends no per-address budget. A limited step makes no decoy (it
	 * would replace the guest's live code and then delete it) but still writes the client's record
	 * unchanged: only real mails fill that budget, so a step that committed nothing (no sync, a third of
	 * the time) would tell a spent guest's address from a made-up one (red team 4, findings 01/02). */
	if (!client_mails(txn, w, ck, &cklen, &tat)) {
		w->outcome = "client_limit";
		return client_mail_spent(txn, w, ck, cklen, tat, false);
	}
	/* Security: no failure count stops a mail: every code mail carries the mail key, which no try spends. */
	if (!mail_limits(txn, w, &s)) {
		if (s != STORE_OK)
			return s;
		w->outcome = "resend_limit";
		return client_mail_spent(txn, w, ck, cklen, tat, false);
	}
	/* Security: an address that gets no mail costs the same work as one that does (a decoy code and mail,
	 * deleted before the commit, and the client's record written unchanged), so the answer's timing does
	 * not tell them apart. */
	s = queue_code(txn, w, !w->invited);
	if (s == STORE_OK)
		s = client_mail_spent(txn, w, ck, cklen, tat, w->invited);
	if (s == STORE_OK && !w->invited) {
		w->outcome = w->login ? "unknown_guest" : "not_invited";
	} else if (s == STORE_OK) {
		w->outcome = "code_queued";
		w->queued = true;
	}
	return s;
}

/* email_run - one email step (accept or login) and its log line */
static enum flow_result email_run(struct email_work *w, const char *event)
{
	char id[2 * TOKEN_ID_LEN + 1];
	struct code_prep prep = { .ok = false };
	enum store_status s;

	/* The code and its mail are made before the transaction, for any address (a decoy costs the same). */
	if (w->addr[0] != '\0')
		prepare_code(w, &prep);
	w->prep = &prep;
	s = store_write(w->fx->st, email_txn, w);
	w->prep = NULL;
	prep_wipe(&prep);

	token_id_hex(w->t, id);
	if (w->login)
		snprintf(id, sizeof(id), "%s", w->account ? "account" : "login");
	if (s != STORE_OK) {
		log_error("event=%s invitation=%s outcome=store_%s", event, id, store_status_word(s));
		return FLOW_UNAVAILABLE;
	}
	log_info("event=%s invitation=%s outcome=%s", event, id, w->outcome);
	if (w->queued)
		outbox_kick(w->fx->ob);
	return FLOW_ACCEPTED;
}

enum flow_result flow_email(const struct flow_ctx *fx, const struct token *t, const char *tok, size_t tok_len,
			    const char *email, const struct flow_client *client, enum lang lang, uint64_t now)
{
	char addr[ADDR_BUF] = "";
	struct email_work w = { fx, t, addr, false, client, lang, now, "", false, false, tok, tok_len, NULL, false, NULL };

	/* Security: token_has_guest runs for every address, well-formed or not. */
	if (addr_normalize(email, strlen(email), addr))
		w.invited = token_has_guest(t, addr);
	else
		addr[0] = '\0';
	return email_run(&w, "code_request");
}

/* login_token - the pseudo invitation of /login (heap: struct token is large) */
static struct token *login_token(void)
{
	struct token *t = calloc(1, sizeof(*t));

	if (t != NULL)
		memcpy(t->id, FLOW_LOGIN_ID, TOKEN_ID_LEN);
	return t;
}

enum flow_result flow_login_email(const struct flow_ctx *fx, const char *email, const struct flow_client *client,
				  enum lang lang, uint64_t now)
{
	char addr[ADDR_BUF] = "";
	struct token *t = login_token();
	struct email_work w = { fx, t, addr, false, client, lang, now, "", false, true, NULL, 0, NULL, false, NULL };
	enum flow_result r;

	if (t == NULL)
		return FLOW_UNAVAILABLE;
	if (!addr_normalize(email, strlen(email), addr))
		addr[0] = '\0';
	r = email_run(&w, "login_code_request");
	free(t);
	return r;
}

enum flow_result flow_account_email(const struct flow_ctx *fx, const char *addr, const uint8_t slot[TOKEN_ID_LEN],
				    const struct flow_client *client, enum lang lang, uint64_t now)
{
	char a[ADDR_BUF] = "";
	struct token *t = login_token();
	struct email_work w = { fx, t, a, false, client, lang, now, "", false, true, NULL, 0, NULL, true, FLOW_LOGIN_ID };
	enum flow_result r;

	if (t == NULL)
		return FLOW_UNAVAILABLE;
	/* Security: the code lives in the session's own slot, which no public code step names, so guesses at
	 * /login/code (FLOW_LOGIN_ID) cannot burn it; the mails share the address's /login mail limits. */
	memcpy(t->id, slot, TOKEN_ID_LEN);
	if (!addr_normalize(addr, strlen(addr), a))
		a[0] = '\0';
	r = email_run(&w, "account_code_request");
	free(t);
	return r;
}

struct code_work {
	const struct flow_ctx *fx;
	const struct token *t;
	const char *addr;
	bool invited;
	const char *code;	/* well-formed digits or mail key, or NULL */
	bool key;		/* code is the mail key (the link in the code mail) */
	const struct flow_client *client;
	uint64_t now;
	enum flow_result result;
	uint64_t retry_after;
	char *session;
	const char *outcome;
	bool login;
	const char *dest;	/* where to go after MFA */
	enum flow_next next;
	bool notified;		/* the inviter's notice was queued (notice.h) */
};

/* signed_in_code - the emailed code was right: a SESSION_CODE session, and which MFA step comes next
 * (signin_finish.h checks the address against the invitation or the guest record once more) */
static enum store_status signed_in_code(struct store_txn *txn, struct code_work *w)
{
	struct finish_req rq = { .via = FINISH_CODE, .t = w->login ? NULL : w->t, .typed = w->addr,
				 .dest = w->dest, .event = "code_signed_in" };
	struct finish_done d;
	enum finish_result fr;
	enum store_status s = signin_finish(txn, w->fx, &rq, w->now, &fr, &d);

	if (s == STORE_OK && fr != FINISH_OK) {
		w->result = fr == FINISH_DISABLED ? FLOW_DISABLED : FLOW_WRONG_CODE;
		w->outcome = signin_finish_word(fr);
	} else if (s == STORE_OK) {
		w->notified = d.notified;
		memcpy(w->session, d.session, SESSION_TEXT);
		w->next = d.next;
		w->result = FLOW_SIGNED_IN;
		w->outcome = w->next == NEXT_MFA_VERIFY ? "code_ok_totp_next" : "code_ok_enrol_next";
	}
	sodium_memzero(&d, sizeof(d));
	return s;
}

/* code_invited - /login: "invited" is "has a guest record", decided in the transaction */
static void code_invited(struct store_txn *txn, struct code_work *w)
{
	if (w->login && w->addr[0] != '\0')
		w->invited = guest_exists(txn, w->addr, w->now);
}

/* key_try - the mail key (the link in the code mail).
 * Security: a key is right with probability 2^-256 a try, so it needs no budget: it is checked before any
 * per-client try budget and spends none, so no count that someone else on the guest's client address (or
 * anyone) filled can refuse the mail's link. The lookup is done for any address, so the unbudgeted tries
 * cannot time an invited address against another. */
static enum store_status key_try(struct store_txn *txn, struct code_work *w)
{
	enum code_result cr;

	code_invited(txn, w);
	cr = codes_check(txn, w->fx->keys, w->t->id, w->addr, w->code, w->now, (unsigned)w->fx->cfg->code_tries, false);
	if (cr == CODE_STORE_ERROR)
		return STORE_ERROR;
	if (cr == CODE_OK && w->invited)
		return signed_in_code(txn, w);
	w->result = FLOW_WRONG_CODE;
	w->outcome = !w->invited ? (w->login ? "unknown_guest" : "not_invited") : "no_live_code";
	return STORE_OK;
}

static enum store_status code_txn(struct store_txn *txn, void *arg)
{
	struct code_work *w = arg;
	const struct otpd_config *cfg = w->fx->cfg;
	enum code_result cr = CODE_ABSENT;
	uint64_t spent, exp;

	/* A shared store reruns this after a serialization failure: start from nothing. */
	w->session[0] = '\0';
	w->notified = false;
	if (w->key)
		return key_try(txn, w);
	if (!flow_take_try(txn, w->fx, w->client, w->now, &w->retry_after)) {
		w->result = FLOW_LIMITED;
		w->outcome = "client_limit";
		return STORE_OK;
	}
	code_invited(txn, w);
	/* Security: tries for an address that has no live code (unknown, not invited, nothing sent) spend nothing
	 * that a guest needs: there is nothing to guess. The answer is the same as for a wrong code. */
	if (!w->invited) {
		w->result = FLOW_WRONG_CODE;
		w->outcome = w->login ? "unknown_guest" : "not_invited";
		return STORE_OK;
	}
	exp = w->login ? w->now + GUESS_WINDOW : w->t->expires_at;
	spent = guess_budget(txn, w->fx, w->t->id, w->addr, w->now, &exp);
	if (w->code != NULL)
		cr = codes_check(txn, w->fx->keys, w->t->id, w->addr, w->code, w->now, (unsigned)cfg->code_tries,
				 spent < (uint64_t)cfg->max_failed_tries);
	if (cr == CODE_STORE_ERROR)
		return STORE_ERROR;
	if (cr != CODE_OK) {
		w->result = FLOW_WRONG_CODE;
		w->outcome = cr == CODE_WRONG ? "wrong_code" : cr == CODE_BURNED ? "code_burned"
			   : w->code != NULL && spent >= (uint64_t)cfg->max_failed_tries ? "guess_budget_spent"
												     : "no_live_code";
		/* Only digits that were compared count toward the budget. */
		if (cr == CODE_WRONG || cr == CODE_BURNED)
			return guess_spent(txn, w->fx, w->t->id, w->addr, spent + 1, exp);
		return STORE_OK;
	}
	return signed_in_code(txn, w);
}

/* code_run - one code step (accept or login) and its log line */
static enum flow_result code_run(struct code_work *w, const char *code, const char *event, uint64_t *retry_after,
				 enum flow_next *next)
{
	char digits[CODE_BUF], id[2 * TOKEN_ID_LEN + 1];
	enum store_status s;

	if (codes_well_formed(code, digits)) {
		w->code = digits;
	} else if (codes_key_well_formed(code)) {
		w->code = code;
		w->key = true;
	}
	w->session[0] = '\0';
	s = store_write(w->fx->st, code_txn, w);
	sodium_memzero(digits, sizeof(digits));
	token_id_hex(w->t, id);
	if (w->login)
		memcpy(id, "login", sizeof("login"));
	if (s != STORE_OK) {
		w->session[0] = '\0';
		log_error("event=%s invitation=%s outcome=store_%s", event, id, store_status_word(s));
		return FLOW_UNAVAILABLE;
	}
	log_info("event=%s invitation=%s outcome=%s", event, id, w->outcome);
	if (w->notified)
		outbox_kick(w->fx->ob);
	*retry_after = w->retry_after;
	*next = w->next;
	return w->result;
}

enum flow_result flow_code(const struct flow_ctx *fx, const struct token *t, const char *email, const char *code,
			   const struct flow_client *client, uint64_t now, char session[SESSION_TEXT],
			   uint64_t *retry_after, enum flow_next *next)
{
	char addr[ADDR_BUF] = "";
	struct code_work w = { fx, t, addr, false, NULL, false, client, now, FLOW_WRONG_CODE, 0, session, "", false,
			       t->resource, NEXT_MFA_SETUP, false };

	if (addr_normalize(email, strlen(email), addr))
		w.invited = token_has_guest(t, addr);
	return code_run(&w, code, "code_try", retry_after, next);
}

enum flow_result flow_login_code(const struct flow_ctx *fx, const char *email, const char *code, const char *rd,
				 const struct flow_client *client, uint64_t now, char session[SESSION_TEXT],
				 uint64_t *retry_after, enum flow_next *next)
{
	char addr[ADDR_BUF] = "";
	struct token *t = login_token();
	struct code_work w = { fx, t, addr, false, NULL, false, client, now, FLOW_WRONG_CODE, 0, session, "", true,
			       rd != NULL && strlen(rd) <= CAP_URL_BYTES ? rd : "", NEXT_MFA_SETUP, false };
	enum flow_result r;

	session[0] = '\0';
	if (t == NULL)
		return FLOW_UNAVAILABLE;
	if (!addr_normalize(email, strlen(email), addr))
		addr[0] = '\0';
	r = code_run(&w, code, "login_code_try", retry_after, next);
	free(t);
	return r;
}
