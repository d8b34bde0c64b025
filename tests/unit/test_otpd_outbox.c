/*
 * test_otpd_outbox - the outbox's retry schedule over a relay outage, second by second, on a real
 * LMDB environment: a mail queued while the relay is down goes out at most OUTBOX_MAX_BACKOFF seconds
 * after the relay is back, for outages from a second to nearly the code's lifetime (a minute among
 * them); the attempts stay few; a mail whose code has expired is never sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "log.h"
#include "outbox.h"
#include "secrets.h"
#include "store.h"
#include "store_fixture.h"

#define T0 100000u
#define CODE_TTL 600u

static char dir[] = "/tmp/otpd-outbox.XXXXXX";
static struct store *st;
static struct secrets *keys;

static int setup(void **state)
{
	(void)state;
	log_open("test_otpd_outbox", LOG_SINK_STDERR, LOG_LEVEL_ERROR);	/* not a line per deferred attempt */
	return fixture_open(dir, 1024 * 1024 * 16, &st, &keys);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_close(dir, &st, &keys);
}

struct relay {
	uint64_t now, up_at;	/* the relay takes mail from up_at on */
	unsigned attempts;
	uint64_t sent_at, last_try, longest_gap;
};

static bool relay_send(void *arg, const char *rcpt, const char *msg, size_t len)
{
	struct relay *r = arg;

	(void)rcpt;
	(void)msg;
	(void)len;
	if (r->attempts > 0 && r->now - r->last_try > r->longest_gap)
		r->longest_gap = r->now - r->last_try;
	r->attempts++;
	r->last_try = r->now;
	if (r->now < r->up_at)
		return false;
	r->sent_at = r->now;
	return true;
}

struct queued {
	uint8_t slot[TOKEN_ID_LEN];
	uint64_t now;
};

static enum store_status queue(struct store_txn *txn, void *arg)
{
	const struct queued *q = arg;
	static const char msg[] = "Subject: code\r\n\r\n12345678\r\n";

	return outbox_put(txn, keys, q->slot, "g@example.net", msg, sizeof(msg) - 1, q->now, q->now + CODE_TTL);
}

/* run - queue one mail at T0 with the relay down for `outage` seconds; the sender looks every second */
static void run(uint64_t outage, uint8_t id, struct relay *r)
{
	struct queued q = { { id }, T0 };

	memset(r, 0, sizeof(*r));
	r->up_at = T0 + outage;
	assert_int_equal(store_write(st, queue, &q), STORE_OK);
	for (r->now = T0; r->now <= T0 + CODE_TTL + 60 && r->sent_at == 0; r->now++)
		(void)outbox_deliver_due(st, keys, r->now, relay_send, r);
}

static void test_outages(void **state)
{
	static const uint64_t outages[] = { 0, 1, 5, 20, 30, 60, 61, 90, 300, 580 };
	struct relay r;

	(void)state;
	for (size_t i = 0; i < sizeof(outages) / sizeof(outages[0]); i++) {
		run(outages[i], (uint8_t)(i + 1), &r);
		print_message("# relay down %3llus: sent %3llus after it came back, %2u attempts, longest wait %llus\n",
			      (unsigned long long)outages[i], (unsigned long long)(r.sent_at - (T0 + outages[i])),
			      r.attempts, (unsigned long long)r.longest_gap);
		if (r.sent_at == 0)
			fail_msg("outage %llus: got never sent, want sent", (unsigned long long)outages[i]);
		if (r.sent_at - (T0 + outages[i]) > OUTBOX_MAX_BACKOFF)
			fail_msg("outage %llus: got sent %llus after the relay came back, want <= %d",
				 (unsigned long long)outages[i], (unsigned long long)(r.sent_at - T0 - outages[i]),
				 OUTBOX_MAX_BACKOFF);
		if (r.longest_gap > OUTBOX_MAX_BACKOFF)
			fail_msg("outage %llus: got a wait of %llus, want <= %d", (unsigned long long)outages[i],
				 (unsigned long long)r.longest_gap, OUTBOX_MAX_BACKOFF);
		/* Not hammering a relay that is down: 1, 2, 4, 8, then one try per OUTBOX_MAX_BACKOFF. */
		if (r.attempts > 5 + outages[i] / OUTBOX_MAX_BACKOFF + 1)
			fail_msg("outage %llus: got %u attempts, want <= %llu", (unsigned long long)outages[i], r.attempts,
				 (unsigned long long)(5 + outages[i] / OUTBOX_MAX_BACKOFF + 1));
	}
}

/* A mail whose code expired while the relay was down is never sent (its code would not work). */
static void test_expired_never_sent(void **state)
{
	struct relay r;

	(void)state;
	run(CODE_TTL + 10, 99, &r);
	if (r.sent_at != 0)
		fail_msg("got sent at +%llus, want never (the code expired at +%u)", (unsigned long long)(r.sent_at - T0),
			 CODE_TTL);
	assert_true(r.attempts > 0);
	assert_true(r.last_try < T0 + CODE_TTL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outages),
		cmocka_unit_test(test_expired_never_sent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
