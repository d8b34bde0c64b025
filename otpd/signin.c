/*
 * signin.c - MFA steps and forward-auth (see signin.h).
 */
#include "signin.h"

#include <sodium.h>
#include <string.h>

#include "codes.h"
#include "guest.h"
#include "log.h"
#include "signin_finish.h"

struct mfa_work {
	const struct flow_ctx *fx;
	const char *cookie;
	const char *code;
	const struct flow_client *client;
	uint64_t now;
	bool setup;			/* /mfa/setup, else /mfa/verify */
	struct signin_setup *show;	/* setup_begin only */
	struct signin_done *done;
	enum signin_result result;
	const char *outcome;
	char addr[ADDR_BUF];		/* for the log line */
};

/* code_session - the live SESSION_CODE session of the cookie and its guest record (NULL: none) */
static struct guest *code_session(struct store_txn *txn, struct mfa_work *w, struct session_info *si)
{
	struct session_limits lim = flow_session_limits(w->fx);
	struct guest *rec;

	if (!session_find(txn, w->fx->keys, w->cookie, w->now, &lim, si) || si->level != SESSION_CODE)
		return NULL;
	rec = guest_load(txn, si->addr, w->now);
	if (rec != NULL)
		memcpy(w->addr, si->addr, strlen(si->addr) + 1);
	return rec;
}

/* finish - MFA done: signin_finish ends the code session, starts a full one under a new id, picks the
 * destination (rd only when one of the guest's invitations covers it), forgets the failures */
static enum store_status finish(struct store_txn *txn, struct mfa_work *w, const struct session_info *si, struct guest *rec)
{
	struct finish_req rq = { .via = FINISH_MFA, .typed = si->addr, .prev = si, .rec = rec, .dest = si->dest,
				 .event = w->setup ? "mfa_enrolled" : "mfa_signed_in" };
	struct signin_done *d = w->done;
	struct finish_done fd;
	enum finish_result fr;
	enum store_status s;

	d->recovery_left = mfa_recovery_left(rec);
	s = signin_finish(txn, w->fx, &rq, w->now, &fr, &fd);
	if (s == STORE_OK && fr != FINISH_OK) {
		w->result = SIGNIN_NO_SESSION;
		w->outcome = signin_finish_word(fr);
	} else if (s == STORE_OK) {
		memcpy(d->session, fd.session, sizeof(d->session));
		memcpy(d->dest, fd.dest, sizeof(d->dest));
	}
	sodium_memzero(&fd, sizeof(fd));
	return s;
}

_Static_assert(MFA_BIND_LEN == SESSION_KEY_LEN, "a pending secret is bound to a session's database key");

static enum store_status setup_begin_txn(struct store_txn *txn, void *arg)
{
	struct mfa_work *w = arg;
	struct session_info si;
	struct guest *rec = code_session(txn, w, &si);
	enum store_status s = STORE_OK;
	bool changed = false;

	if (rec == NULL) {
		w->result = SIGNIN_NO_SESSION;
		return STORE_OK;
	}
	if (mfa_enrolled(rec)) {
		w->result = SIGNIN_ENROLLED;
	} else if (!mfa_begin(rec, w->fx->keys, si.addr, si.key, w->now, w->show->b32, &changed)) {
		s = STORE_ERROR;
	} else {
		memcpy(w->show->addr, si.addr, strlen(si.addr) + 1);
		w->result = SIGNIN_OK;
		if (changed)
			s = guest_save(txn, si.addr, rec, w->now);
	}
	guest_free(rec);
	return s;
}

enum signin_result signin_setup_begin(const struct flow_ctx *fx, const char *cookie, uint64_t now,
				      struct signin_setup *out)
{
	struct mfa_work w = { .fx = fx, .cookie = cookie, .now = now, .setup = true, .show = out,
			      .result = SIGNIN_NO_SESSION };
	enum store_status s = store_write(fx->st, setup_begin_txn, &w);

	if (s != STORE_OK) {
		sodium_memzero(out, sizeof(*out));
		log_error("event=mfa_setup_page outcome=store_%s", store_status_word(s));
		return SIGNIN_UNAVAILABLE;
	}
	return w.result;
}

/* factor_mfa - the code itself, by use */
static enum mfa_result factor_mfa(const struct flow_ctx *fx, const struct session_info *si, struct guest *rec,
				  const struct factor_try *ft, struct factor_done *out)
{
	switch (ft->use) {
	case FACTOR_CONFIRM:
		return mfa_confirm(rec, fx->keys, si->addr, si->key, ft->code, ft->now, &out->recovery);
	case FACTOR_RENEW:
		return mfa_renew_recovery(rec, fx->keys, si->addr, ft->code, ft->now, &out->recovery);
	case FACTOR_CHECK:
	default:
		return mfa_check(rec, fx->keys, si->addr, ft->code, ft->now);
	}
}

/* factor_email - the emailed digits beside the code (CODE_OK when none are asked for) */
static enum code_result factor_email(struct store_txn *txn, const struct flow_ctx *fx, const struct session_info *si,
				     const struct factor_try *ft)
{
	char digits[CODE_BUF];
	enum code_result cr = CODE_ABSENT;

	if (ft->email_slot == NULL)
		return CODE_OK;
	/* The session, the code beside them and the address's failure bound stand behind these digits, so
	 * the per-code tries are their bound, not the public code step's guess budget. */
	if (ft->email_code != NULL && codes_well_formed(ft->email_code, digits))
		cr = codes_check(txn, fx->keys, ft->email_slot, si->addr, digits, ft->now, (unsigned)fx->cfg->code_tries,
				 true);
	sodium_memzero(digits, sizeof(digits));
	return cr;
}

enum store_status signin_factor(struct store_txn *txn, const struct flow_ctx *fx, const struct session_info *si,
				struct guest *rec, const struct factor_try *ft, struct factor_done *out)
{
	enum mfa_result mr;
	enum code_result cr;

	out->recovery = mfa_recovery_free(out->recovery);
	out->retry_after = 0;
	/* Security: the try budget is keyed by client and guest and taken only with a session of that guest:
	 * a neighbour on the same client address (NAT, proxy, /64) cannot fill it. */
	if (!flow_take_mfa_try(txn, fx, ft->client, si->addr, ft->now, &out->retry_after)) {
		out->result = FACTOR_LIMITED;
		return STORE_OK;
	}
	/* Security: the address's wrong codes bound every guess at its second factor, from however many client
	 * addresses and sessions (max_failed_tries a day): a new code mail gives none back (red team 4, 03). */
	if (flow_locked_out(txn, fx, si->addr, ft->now, &out->retry_after)) {
		out->result = FACTOR_LOCKED;
		return STORE_OK;
	}
	mr = factor_mfa(fx, si, rec, ft, out);
	if (mr == MFA_ERROR)
		return STORE_ERROR;
	if (mr == MFA_NOT_READY) {
		out->result = FACTOR_NOT_READY;
		return STORE_OK;
	}
	/* The digits are checked (and their try spent) whatever the code was, so a wrong code tells nothing. */
	cr = factor_email(txn, fx, si, ft);
	if (cr == CODE_STORE_ERROR)
		return STORE_ERROR;
	if ((mr == MFA_OK || mr == MFA_OK_RECOVERY) && cr == CODE_OK) {
		out->result = mr == MFA_OK ? FACTOR_OK : FACTOR_OK_RECOVERY;
		return STORE_OK;
	}
	out->recovery = mfa_recovery_free(out->recovery);
	out->result = mr == MFA_REPLAYED ? FACTOR_REPLAYED : FACTOR_WRONG;
	return flow_count_failure(txn, fx, si->addr, ft->now);
}

/* check_txn - a code at /mfa/setup (confirm) or /mfa/verify */
static enum store_status check_txn(struct store_txn *txn, void *arg)
{
	struct mfa_work *w = arg;
	struct factor_try ft = { .use = w->setup ? FACTOR_CONFIRM : FACTOR_CHECK, .code = w->code, .client = w->client,
				 .now = w->now };
	struct factor_done fd = { .result = FACTOR_WRONG };
	struct session_info si;
	struct guest *rec;
	enum store_status s;

	w->done->recovery = mfa_recovery_free(w->done->recovery);
	if ((rec = code_session(txn, w, &si)) == NULL) {
		w->result = SIGNIN_NO_SESSION;
		w->outcome = "no_session";
		return STORE_OK;
	}
	if (w->setup != !mfa_enrolled(rec)) {
		w->result = w->setup ? SIGNIN_ENROLLED : SIGNIN_NOT_ENROLLED;
		w->outcome = "wrong_step";
		guest_free(rec);
		return STORE_OK;
	}
	s = signin_factor(txn, w->fx, &si, rec, &ft, &fd);
	w->done->recovery = fd.recovery;
	w->done->retry_after = fd.retry_after;
	if (s != STORE_OK) {
		guest_free(rec);
		return s;
	}
	switch (fd.result) {
	case FACTOR_OK:
	case FACTOR_OK_RECOVERY:
		w->done->used_recovery = fd.result == FACTOR_OK_RECOVERY;
		w->result = SIGNIN_OK;
		w->outcome = w->setup ? "enrolled" : fd.result == FACTOR_OK_RECOVERY ? "recovery_code_used" : "totp_ok";
		s = finish(txn, w, &si, rec);
		break;
	case FACTOR_REPLAYED:
		w->result = SIGNIN_REPLAYED;
		w->outcome = "totp_replayed";
		break;
	case FACTOR_WRONG:
		w->result = SIGNIN_WRONG;
		w->outcome = "wrong_code";
		break;
	case FACTOR_LIMITED:
	case FACTOR_LOCKED:
		w->result = SIGNIN_LIMITED;
		w->outcome = fd.result == FACTOR_LOCKED ? "address_locked" : "client_limit";
		break;
	case FACTOR_NOT_READY:
	default:
		/* setup without a pending secret: the page was never shown */
		w->result = SIGNIN_NO_SESSION;
		w->outcome = "nothing_pending";
		break;
	}
	guest_free(rec);
	return s;
}

static enum signin_result check_run(struct mfa_work *w, const char *event)
{
	enum store_status s;

	memset(w->done, 0, sizeof(*w->done));
	s = store_write(w->fx->st, check_txn, w);
	if (s != STORE_OK) {
		w->done->recovery = mfa_recovery_free(w->done->recovery);
		sodium_memzero(w->done->session, sizeof(w->done->session));
		log_error("event=%s outcome=store_%s", event, store_status_word(s));
		return SIGNIN_UNAVAILABLE;
	}
	if (w->result != SIGNIN_OK)
		w->done->recovery = mfa_recovery_free(w->done->recovery);
	if (w->addr[0] != '\0')
		log_info("event=%s guest=%s outcome=%s", event, w->addr, w->outcome);
	else
		log_info("event=%s outcome=%s", event, w->outcome);
	return w->result;
}

enum signin_result signin_setup_confirm(const struct flow_ctx *fx, const char *cookie, const char *code,
					const struct flow_client *client, uint64_t now, struct signin_done *out)
{
	struct mfa_work w = { .fx = fx, .cookie = cookie, .code = code, .client = client, .now = now, .setup = true,
			      .done = out, .result = SIGNIN_NO_SESSION, .outcome = "" };

	return check_run(&w, "mfa_setup");
}

enum signin_result signin_verify(const struct flow_ctx *fx, const char *cookie, const char *code,
				 const struct flow_client *client, uint64_t now, struct signin_done *out)
{
	struct mfa_work w = { .fx = fx, .cookie = cookie, .code = code, .client = client, .now = now, .setup = false,
			      .done = out, .result = SIGNIN_NO_SESSION, .outcome = "" };

	return check_run(&w, "mfa_verify");
}

struct step_work {
	const struct flow_ctx *fx;
	const char *cookie;
	uint64_t now;
	enum signin_result result;
};

static enum store_status step_txn(struct store_txn *txn, void *arg)
{
	struct step_work *w = arg;
	struct session_limits lim = flow_session_limits(w->fx);
	struct session_info si;
	struct guest *rec;

	w->result = SIGNIN_NO_SESSION;
	if (!session_find(txn, w->fx->keys, w->cookie, w->now, &lim, &si))
		return STORE_OK;
	if (session_is_full(si.level)) {
		w->result = SIGNIN_OK;
		return STORE_OK;
	}
	if ((rec = guest_load(txn, si.addr, w->now)) != NULL)
		w->result = mfa_enrolled(rec) ? SIGNIN_ENROLLED : SIGNIN_NOT_ENROLLED;
	guest_free(rec);
	return STORE_OK;
}

enum signin_result signin_step(const struct flow_ctx *fx, const char *cookie, uint64_t now)
{
	struct step_work w = { fx, cookie, now, SIGNIN_NO_SESSION };

	return store_read(fx->st, step_txn, &w) == STORE_OK ? w.result : SIGNIN_UNAVAILABLE;
}

struct auth_work {
	const struct flow_ctx *fx;
	const char *cookie;
	const char *url;
	uint64_t now;
	enum auth_result result;
	bool touch;
	struct session_info si;
};

static enum store_status auth_txn(struct store_txn *txn, void *arg)
{
	struct auth_work *w = arg;
	struct session_limits lim = flow_session_limits(w->fx);

	w->result = AUTH_DENY;
	/* Security: a session from the emailed code (or a provider without MFA) alone never passes; a full
	 * one needs the authenticator still enrolled, unless the guest's own provider did the MFA. */
	if (!session_find(txn, w->fx->keys, w->cookie, w->now, &lim, &w->si) || !session_is_full(w->si.level))
		return STORE_OK;
	/* session -> the guest's invitations -> allowed? (the record read in place, guest.h) */
	if (guest_may_use(txn, w->si.addr, w->si.level == SESSION_ORG_MFA, w->url, w->now))
		w->result = AUTH_ALLOW;
	if (w->result == AUTH_ALLOW && w->touch)
		return session_touch(txn, &w->si, w->now, &lim);
	return STORE_OK;
}

enum auth_result signin_auth(const struct flow_ctx *fx, const char *cookie, const char *url, uint64_t now,
			     char addr[ADDR_BUF])
{
	struct auth_work w = { .fx = fx, .cookie = cookie, .url = url, .now = now, .result = AUTH_DENY };

	/* A read for most requests; a write (fsync) at most once a minute per session, to move the idle clock. */
	if (store_read(fx->st, auth_txn, &w) != STORE_OK)
		return AUTH_UNAVAILABLE;
	if (w.result == AUTH_ALLOW && now >= w.si.last_seen + SESSION_TOUCH_EVERY) {
		w.touch = true;
		if (store_write(fx->st, auth_txn, &w) != STORE_OK)
			return AUTH_UNAVAILABLE;
	}
	if (w.result == AUTH_ALLOW)
		memcpy(addr, w.si.addr, strlen(w.si.addr) + 1);
	return w.result;
}
