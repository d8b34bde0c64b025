/*
 * lifecycle.c - disabling and deleting inactive guests (see lifecycle.h).
 */
#include "lifecycle.h"

#include <stdbool.h>
#include <string.h>

#include "guest.h"
#include "invite.h"
#include "log.h"
#include "notice.h"
#include "outbox.h"
#include "session.h"

const uint8_t LIFECYCLE_ID[TOKEN_ID_LEN] = "guestlink-cycle";

enum due { DUE_NOTHING, DUE_DISABLE, DUE_DELETE };

struct pass {
	const struct otpd_config *cfg;
	uint64_t now;
	size_t n;
	char addr[LIFECYCLE_BATCH][ADDR_BUF];
	enum due due[LIFECYCLE_BATCH];
};

/* due_of - what rec is due for at now */
static enum due due_of(const struct otpd_config *cfg, const struct guest *rec, uint64_t now)
{
	uint64_t off = guest_disabled_at(rec), last = guest_last_active(rec);

	if (off != 0)
		return cfg->guest_disabled_delete > 0 && now >= off + (uint64_t)cfg->guest_disabled_delete
			       ? DUE_DELETE
			       : DUE_NOTHING;
	if (cfg->guest_inactive_disable > 0 && last != 0 && now >= last + (uint64_t)cfg->guest_inactive_disable)
		return DUE_DISABLE;
	return DUE_NOTHING;
}

/* collect - note the guests due for something (deleting while a cursor walks is not allowed) */
static bool collect(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct pass *p = arg;
	struct guest rec;
	enum due d;

	if (klen == 0 || klen >= ADDR_BUF || v->len == 8)
		return true;	/* a first-version record has no invitations: nothing to sign in to anyway */
	d = record_guest_decode(v->data, v->len, &rec) == RECORD_OK ? due_of(p->cfg, &rec, p->now) : DUE_NOTHING;
	record_guest_clear(&rec);
	if (d != DUE_NOTHING) {
		memcpy(p->addr[p->n], key, klen);
		p->addr[p->n][klen] = '\0';
		p->due[p->n++] = d;
	}
	return p->n < LIFECYCLE_BATCH;
}

enum store_status lifecycle_forget(struct store_txn *txn, const char *addr, const char *event, uint64_t now,
				   size_t *n)
{
	enum store_status s = session_end_all(txn, addr, now, n);

	/* The record holds the TOTP secret (encrypted) and the recovery codes (hashed): both go with it. */
	if (s == STORE_OK)
		s = store_del(txn, STORE_GUESTS, addr, strlen(addr));
	if (s == STORE_NOTFOUND)
		s = STORE_OK;
	if (s == STORE_OK)
		s = flow_audit(txn, now, event, LIFECYCLE_ID, addr);
	return s;
}

/* notify_all - one notice to each inviter of the guest's invitations */
static enum store_status notify_all(struct store_txn *txn, const struct flow_ctx *fx, const char *addr,
				    const struct guest *rec, uint64_t now, bool *queued)
{
	enum store_status s = STORE_OK;

	for (size_t i = 0; s == STORE_OK && i < rec->n_inv; i++) {
		const char *who = rec->inv[i].inviter;
		const char *res = rec->inv[i].resource;
		bool seen = false, q = false;
		struct notice_params np = {
			.kind = NOTICE_DISABLED, .guest = addr, .resource = res, .at = guest_last_active(rec),
			.until = fx->cfg->guest_disabled_delete > 0 ? now + (uint64_t)fx->cfg->guest_disabled_delete : 0,
			.now = now,
		};

		if (who == NULL || res == NULL)
			continue;	/* redeemed before records named the inviter */
		/* The latest invitation of each inviter names the resource; one notice per inviter. */
		for (size_t j = i + 1; j < rec->n_inv && !seen; j++) {
			const char *later = rec->inv[j].inviter;

			seen = later != NULL && strcmp(later, who) == 0;
		}
		if (seen)
			continue;
		s = notice_queue(txn, fx, &np, who, &q);
		*queued = *queued || q;
	}
	return s;
}

/* close_links - mark addr closed in each of its invitations' records: the refusal of the old links must
 * outlive the guest record, which guest_disabled_delete removes (signin_finish checks the mark) */
static enum store_status close_links(struct store_txn *txn, const char *addr, const struct guest *rec, uint64_t now)
{
	enum store_status s = STORE_OK;

	for (size_t i = 0; s == STORE_OK && i < rec->n_inv; i++)
		if (!rec->inv[i].id_unknown)
			s = invite_close(txn, rec->inv[i].id, addr, now);
	return s;
}

/* disable - mark the guest disabled, close their links, end every session, tell the inviters */
static enum store_status disable(struct store_txn *txn, const struct flow_ctx *fx, const char *addr, uint64_t now,
				 bool *queued)
{
	struct guest *rec = guest_load(txn, addr, now);
	enum store_status s;
	size_t n = 0;

	if (rec == NULL)
		return STORE_OK;
	rec->disabled_at = now;
	s = guest_save(txn, addr, rec, now);
	if (s == STORE_OK)
		s = close_links(txn, addr, rec, now);
	if (s == STORE_OK)
		s = session_end_all(txn, addr, now, &n);
	if (s == STORE_OK)
		s = notify_all(txn, fx, addr, rec, now, queued);
	if (s == STORE_OK)
		s = flow_audit(txn, now, "guest_disabled", LIFECYCLE_ID, addr);
	guest_free(rec);
	return s;
}

struct sweep_work {
	const struct flow_ctx *fx;
	struct pass *p;
	size_t done;
	bool queued;
};

static enum store_status sweep_txn(struct store_txn *txn, void *arg)
{
	struct sweep_work *w = arg;
	struct pass *p = w->p;
	enum store_status s;

	p->n = 0;
	w->done = 0;
	w->queued = false;
	s = store_each(txn, STORE_GUESTS, p->now, collect, p);
	for (size_t i = 0; s == STORE_OK && i < p->n; i++) {
		size_t n = 0;

		if (p->due[i] == DUE_DISABLE)
			s = disable(txn, w->fx, p->addr[i], p->now, &w->queued);
		else
			s = lifecycle_forget(txn, p->addr[i], "guest_deleted", p->now, &n);
		w->done++;
	}
	return s;
}

size_t lifecycle_sweep(const struct flow_ctx *fx, uint64_t now)
{
	static struct pass pass;	/* the maintenance loop is one thread: one pass at a time */
	struct sweep_work w = { fx, &pass, 0, false };
	enum store_status s;

	if (fx->cfg->guest_inactive_disable == 0 && fx->cfg->guest_disabled_delete == 0)
		return 0;
	pass.cfg = fx->cfg;
	pass.now = now;
	s = store_write(fx->st, sweep_txn, &w);
	if (s != STORE_OK) {
		log_error("event=lifecycle_sweep outcome=store_%s", store_status_word(s));
		return 0;
	}
	for (size_t i = 0; i < pass.n; i++)
		log_info("event=%s guest=%s", pass.due[i] == DUE_DISABLE ? "guest_disabled" : "guest_deleted",
			 pass.addr[i]);
	if (w.queued)
		outbox_kick(fx->ob);
	return w.done;
}

unsigned lifecycle_interval(const struct otpd_config *cfg, unsigned dflt)
{
	long long least = 0;

	if (cfg->guest_inactive_disable > 0)
		least = cfg->guest_inactive_disable;
	if (cfg->guest_disabled_delete > 0 && (least == 0 || cfg->guest_disabled_delete < least))
		least = cfg->guest_disabled_delete;
	return least > 0 && least < 2LL * dflt ? 1 : dflt;
}
