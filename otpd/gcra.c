/*
 * gcra.c - GCRA arithmetic and its records in the limits database.
 *
 * TAT semantics: an event at now is allowed when now >= TAT - tolerance,
 * tolerance = interval * (burst - 1); the TAT then becomes
 * max(TAT, now) + interval. Failure to store is treated by callers as
 * "refuse": a limit that cannot be recorded is not granted.
 */
#include "gcra.h"
#include "bytes.h"

#include <string.h>

bool gcra_check(const struct gcra_limit *lim, uint64_t tat_ms, uint64_t now_ms, uint64_t *new_tat_ms,
		uint64_t *retry_after_ms)
{
	uint64_t burst = lim->burst ? lim->burst : 1;
	uint64_t tolerance = lim->interval_ms * (burst - 1);
	uint64_t tat = tat_ms > now_ms ? tat_ms : now_ms;

	if (tat > now_ms + tolerance) {
		*retry_after_ms = tat - tolerance - now_ms;
		*new_tat_ms = tat_ms;
		return false;
	}
	*retry_after_ms = 0;
	*new_tat_ms = tat + lim->interval_ms;
	return true;
}

uint64_t gcra_load(struct store_txn *txn, const void *key, size_t klen, uint64_t now_ms)
{
	struct store_val v;

	if (store_get(txn, STORE_LIMITS, key, klen, now_ms / 1000, &v) != STORE_OK || v.len != 8)
		return 0;
	return be_get(v.data, 8);
}

enum store_status gcra_save(struct store_txn *txn, const void *key, size_t klen, const struct gcra_limit *lim,
			    uint64_t tat_ms)
{
	uint8_t val[8];
	uint64_t t = tat_ms;

	(void)lim;
	for (int i = 7; i >= 0; i--, t >>= 8)
		val[i] = (uint8_t)t;
	/* Once now reaches the TAT the bucket is full again and the record says nothing. */
	return store_put(txn, STORE_LIMITS, key, klen, val, sizeof(val), tat_ms / 1000 + 1);
}

bool gcra_take(struct store_txn *txn, const void *key, size_t klen, const struct gcra_limit *lim, uint64_t now_ms,
	       uint64_t *retry_after_ms)
{
	uint64_t tat = gcra_load(txn, key, klen, now_ms), new_tat;

	if (!gcra_check(lim, tat, now_ms, &new_tat, retry_after_ms))
		return false;
	return gcra_save(txn, key, klen, lim, new_tat) == STORE_OK;
}
