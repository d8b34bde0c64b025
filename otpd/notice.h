/*
 * notice.h - the inviter hears back: a mail to the inviter when a guest
 * first redeems their invitation, and when a guest they invited is
 * disabled for not signing in (lifecycle.h).
 *
 * The notice is queued in the caller's write transaction through the same
 * durable outbox as the code mails, so it is sent exactly when the
 * redemption (or the disabling) is committed, and survives restarts and
 * relay outages. [otpd] notify_inviter = no turns notices off.
 * Failure: an inviter that is not a mail address gets no notice (logged,
 * not an error); store errors come back as store_status.
 */
#ifndef OTPD_NOTICE_H
#define OTPD_NOTICE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "mailmsg.h"
#include "store.h"

/* How long a notice waits in the outbox for the relay before it is dropped. */
#define NOTICE_KEEP (7ull * 24 * 3600)

/* notice_queue - queue p (p->to: the inviter as written in the token); *queued: a mail was queued */
enum store_status notice_queue(struct store_txn *txn, const struct flow_ctx *fx, struct notice_params *p,
			       const char *inviter, bool *queued) __attribute__((warn_unused_result, nonnull));

#endif
