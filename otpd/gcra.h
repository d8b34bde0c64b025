/*
 * gcra.h - rate limits with the generic cell rate algorithm.
 *
 * A limit is "burst events at once, then one per interval": state is one
 * number, the theoretical arrival time (TAT) of the next event, in ms.
 * gcra_check() is pure arithmetic (unit-tested); gcra_take() keeps the TAT
 * in the limits database, with an expiry once the limit is idle again.
 */
#ifndef OTPD_GCRA_H
#define OTPD_GCRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct gcra_limit {
	uint64_t interval_ms;	/* one event per interval ... */
	uint64_t burst;		/* ... after a burst of this many (>= 1) */
};

/* gcra_check - may an event happen at now_ms given *tat? sets the new TAT or the wait */
bool gcra_check(const struct gcra_limit *lim, uint64_t tat_ms, uint64_t now_ms, uint64_t *new_tat_ms,
		uint64_t *retry_after_ms) __attribute__((nonnull(1, 4, 5)));

/* gcra_load - the stored TAT for key (0 when absent or expired) */
uint64_t gcra_load(struct store_txn *txn, const void *key, size_t klen, uint64_t now_ms) __attribute__((nonnull));
/* gcra_save - store a TAT; it expires when the limit is full again */
enum store_status gcra_save(struct store_txn *txn, const void *key, size_t klen, const struct gcra_limit *lim,
			    uint64_t tat_ms) __attribute__((nonnull));

/* gcra_take - check and, when allowed, record one event; *retry_after_ms set when refused */
bool gcra_take(struct store_txn *txn, const void *key, size_t klen, const struct gcra_limit *lim, uint64_t now_ms,
	       uint64_t *retry_after_ms) __attribute__((nonnull));

#endif
