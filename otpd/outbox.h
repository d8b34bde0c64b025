/*
 * outbox.h - the durable queue of code mails, and the thread that sends them.
 *
 * outbox_put() adds a mail inside the caller's write transaction, so the
 * code and its mail are committed together: once the guest has the answer,
 * neither a restart nor a relay outage loses the mail. The sender thread
 * delivers with libcurl (SMTP), retrying with backoff until the mail's
 * expiry (the code's); a mail for the same invitation and address replaces
 * an undelivered older one (its code is dead anyway).
 * Security: a queued mail holds a live code, so it is stored encrypted
 * (crypto_secretbox, key from [keys] secret).
 * Delivery is at least once: a crash between sending and deleting sends
 * the same mail again.
 * Several hosts on one store (store_is_shared): a host claims each due mail
 * in a write transaction (next attempt pushed past a lease) before sending
 * it, so only one host sends it; if that host dies, the lease runs out and
 * another host's sender, which looks every OUTBOX_SHARED_POLL seconds,
 * sends it.
 * Retries: after 1, 2, 4 and 8 seconds, then every OUTBOX_MAX_BACKOFF
 * seconds, so a mail goes out at most that long after the relay is back,
 * however long it was down (tests/unit/test_otpd_outbox.c shows it for
 * outages from seconds to the code's lifetime).
 */
#ifndef OTPD_OUTBOX_H
#define OTPD_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "secrets.h"
#include "store.h"
#include "token.h"

struct outbox;

/* The longest wait between two attempts at one mail (seconds). */
#define OUTBOX_MAX_BACKOFF 15
/* Shared store: how long a claim holds by default (the sender uses its SMTP timeout + 5 s). */
#define OUTBOX_LEASE 60
/* Shared store: the longest the sender sleeps before looking for mails other hosts queued. */
#define OUTBOX_SHARED_POLL 2

/* outbox_put - queue msg for rcpt until expires_at; slot identifies (invitation, address) */
enum store_status outbox_put(struct store_txn *txn, const struct secrets *keys, const uint8_t slot[TOKEN_ID_LEN],
			     const char *rcpt, const char *msg, size_t len, uint64_t now, uint64_t expires_at)
	__attribute__((warn_unused_result, nonnull));

/* outbox_seal - outbox_put's record, made outside the write transaction (secretbox and random nonce):
 * *rec (malloc'd; outbox_put_sealed frees it) of *len bytes; false if out of memory or too long */
bool outbox_seal(const struct secrets *keys, const char *rcpt, const char *msg, size_t len, uint64_t now,
		 uint8_t **rec, size_t *reclen) __attribute__((warn_unused_result, nonnull));

/* outbox_put_sealed - store a sealed record in slot until expires_at (rec stays the caller's) */
enum store_status outbox_put_sealed(struct store_txn *txn, const uint8_t slot[TOKEN_ID_LEN], const uint8_t *rec,
				    size_t reclen, uint64_t expires_at) __attribute__((warn_unused_result, nonnull));

/* outbox_free_sealed - wipe and free a sealed record */
void outbox_free_sealed(uint8_t *rec, size_t reclen);

/* A sender: true when the relay took the mail. */
typedef bool (*outbox_send_fn)(void *arg, const char *rcpt, const char *msg, size_t len);

/* outbox_deliver_due - one pass: send what is due, delete what was sent, reschedule the rest */
size_t outbox_deliver_due(struct store *st, const struct secrets *keys, uint64_t now, outbox_send_fn send,
			  void *arg) __attribute__((nonnull(1, 2, 4)));

/* outbox_next_due - seconds from now until the next attempt is due (capped at max) */
uint64_t outbox_next_due(struct store *st, uint64_t now, uint64_t max) __attribute__((nonnull));

struct outbox_smtp {
	const char *url;	/* smtp:// or smtps:// */
	const char *from;	/* envelope sender, normalized */
	long timeout;		/* seconds */
	void *curl;		/* outbox_smtp_send's libcurl handle, kept between mails (NULL at first) */
};

/* outbox_smtp_send - an outbox_send_fn over libcurl; arg is a struct outbox_smtp (one thread's: it keeps
 * its libcurl handle, and so the connection to the relay, in it) */
bool outbox_smtp_send(void *arg, const char *rcpt, const char *msg, size_t len);

/* outbox_start - the sender thread; NULL if it cannot start */
struct outbox *outbox_start(struct store *st, const struct secrets *keys, const struct outbox_smtp *smtp)
	__attribute__((warn_unused_result, nonnull));
/* outbox_kick - wake the sender: a mail was queued */
void outbox_kick(struct outbox *ob);
struct outbox *outbox_stop(struct outbox *ob);

#endif
