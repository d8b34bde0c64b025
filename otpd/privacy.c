/*
 * privacy.c - the privacy step (see privacy.h).
 */
#include "privacy.h"

#include <string.h>

#include "guest.h"
#include "log.h"
#include "session.h"

struct privacy_work {
	const struct flow_ctx *fx;
	const char *cookie;
	uint64_t now;
	bool accept;
	enum privacy_state state;
	char addr[ADDR_BUF];
};

static enum store_status privacy_txn(struct store_txn *txn, void *arg)
{
	struct privacy_work *w = arg;
	struct session_limits lim = flow_session_limits(w->fx);
	struct session_info si;
	enum store_status s = STORE_OK;
	struct guest *rec;

	w->state = w->accept ? PRIVACY_NEEDED : PRIVACY_DONE;
	if (w->fx->cfg->privacy_url[0] == '\0' && !w->accept)
		return STORE_OK;	/* no statement configured: no privacy step (privacy.h) */
	if (w->cookie[0] == '\0' || !session_find(txn, w->fx->keys, w->cookie, w->now, &lim, &si) ||
	    si.level != SESSION_CODE || (rec = guest_load(txn, si.addr, w->now)) == NULL)
		return STORE_OK;
	if (rec->privacy_accepted_at != 0) {
		w->state = PRIVACY_DONE;
	} else if (!w->accept) {
		w->state = PRIVACY_NEEDED;
	} else {
		rec->privacy_accepted_at = w->now;
		s = guest_save(txn, si.addr, rec, w->now);
		if (s == STORE_OK)
			s = flow_audit(txn, w->now, "privacy_accepted", FLOW_LOGIN_ID, si.addr);
		memcpy(w->addr, si.addr, strlen(si.addr) + 1);
		w->state = PRIVACY_DONE;
	}
	guest_free(rec);
	return s;
}

enum privacy_state privacy_state(const struct flow_ctx *fx, const char *cookie, uint64_t now)
{
	struct privacy_work w = { fx, cookie, now, false, PRIVACY_DONE, "" };

	return store_read(fx->st, privacy_txn, &w) == STORE_OK ? w.state : PRIVACY_UNAVAILABLE;
}

enum privacy_state privacy_accept(const struct flow_ctx *fx, const char *cookie, uint64_t now)
{
	struct privacy_work w = { fx, cookie, now, true, PRIVACY_NEEDED, "" };

	if (store_write(fx->st, privacy_txn, &w) != STORE_OK)
		return PRIVACY_UNAVAILABLE;
	if (w.addr[0] != '\0')
		log_info("event=privacy_accepted guest=%s", w.addr);
	return w.state;
}
