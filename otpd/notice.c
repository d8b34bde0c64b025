/*
 * notice.c - the inviter's notices (see notice.h).
 */
#include "notice.h"

#include <sodium.h>
#include <string.h>

#include "caps.h"
#include "log.h"
#include "outbox.h"

/* slot - the outbox slot of one notice: a keyed hash of kind, guest and invitation, so the same notice queued
 * twice (a retried transaction) is one mail, and a code mail's slot is never hit */
static void slot(const struct flow_ctx *fx, const struct notice_params *p, uint8_t out[TOKEN_ID_LEN])
{
	crypto_generichash_state st;
	uint8_t kind = (uint8_t)('N' + p->kind);

	crypto_generichash_init(&st, fx->keys->limit, sizeof(fx->keys->limit), TOKEN_ID_LEN);
	crypto_generichash_update(&st, (const uint8_t *)"notice", 6);
	crypto_generichash_update(&st, &kind, 1);
	crypto_generichash_update(&st, (const uint8_t *)p->guest, strlen(p->guest) + 1);
	crypto_generichash_update(&st, (const uint8_t *)p->to, strlen(p->to) + 1);
	if (p->invitation != NULL)
		crypto_generichash_update(&st, (const uint8_t *)p->invitation, strlen(p->invitation));
	crypto_generichash_final(&st, out, TOKEN_ID_LEN);
}

enum store_status notice_queue(struct store_txn *txn, const struct flow_ctx *fx, struct notice_params *p,
			       const char *inviter, bool *queued)
{
	char to[ADDR_BUF];
	uint8_t key[TOKEN_ID_LEN];
	struct buf msg;
	enum store_status s;

	*queued = false;
	if (!fx->cfg->notify_inviter)
		return STORE_OK;
	if (!addr_normalize(inviter, strlen(inviter), to)) {
		log_warn("event=notice kind=%s outcome=inviter_not_an_address",
			 p->kind == NOTICE_ACCEPTED ? "accepted" : "disabled");
		return STORE_OK;
	}
	p->to = to;
	p->from = fx->from;
	p->org_name = fx->cfg->org_name;
	buf_init(&msg, CAP_MAIL_BYTES);
	if (!mailmsg_notice(p, &msg)) {
		buf_release(&msg);
		p->to = NULL;
		log_warn("event=notice outcome=cannot_compose");
		return STORE_OK;
	}
	slot(fx, p, key);
	s = outbox_put(txn, fx->keys, key, to, msg.data, msg.len, p->now, p->now + NOTICE_KEEP);
	buf_release(&msg);
	p->to = NULL;
	*queued = s == STORE_OK;
	return s;
}
