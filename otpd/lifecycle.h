/*
 * lifecycle.h - inactive guests expire: the sweeper's part of the guest
 * lifecycle (issue 15), and leaving (the guest's own "delete me").
 *
 *   - A guest with no sign-in (nor redemption) for [otpd]
 *     guest_inactive_disable is disabled: "disabled_at" in the record, every
 *     session ended, one notice to each inviter of the guest's invitations
 *     (notice.h). signin_finish() then refuses the guest, except with an
 *     invitation issued after the disabling (the inviter sent it again).
 *   - A guest disabled for [otpd] guest_disabled_delete is deleted: the
 *     record with its TOTP secret and recovery codes. The audit lines stay.
 *   - 0 turns either off.
 * Every otpd host runs the sweep from its maintenance loop; the work is
 * one write transaction per pass, so two hosts on a shared store do it
 * once (the second finds nothing to do).
 * Failure: store errors are logged and the pass is tried again at the next
 * maintenance tick.
 */
#ifndef OTPD_LIFECYCLE_H
#define OTPD_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "store.h"

/* Most guests one pass disables or deletes (the rest wait for the next pass). */
#define LIFECYCLE_BATCH 256

/* The pseudo invitation id of the lifecycle's audit lines. */
extern const uint8_t LIFECYCLE_ID[TOKEN_ID_LEN];

/* lifecycle_sweep - one pass at now; how many guests were disabled or deleted */
size_t lifecycle_sweep(const struct flow_ctx *fx, uint64_t now) __attribute__((nonnull));

/* lifecycle_interval - seconds between two maintenance ticks: a minute, less when a lifecycle duration is
 * shorter than two minutes (tests move the clock by configuration) */
unsigned lifecycle_interval(const struct otpd_config *cfg, unsigned dflt) __attribute__((nonnull));

/* lifecycle_forget - delete addr's guest record and sessions in txn (leaving, or the sweeper); the audit line
 * names event. *n: sessions ended */
enum store_status lifecycle_forget(struct store_txn *txn, const char *addr, const char *event, uint64_t now,
				   size_t *n) __attribute__((warn_unused_result, nonnull));

#endif
