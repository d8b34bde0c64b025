/*
 * outbox.c - queued code mails (see outbox.h).
 *
 * Key: 16-byte slot (keyed hash of invitation and address, from the caller).
 * Value: next_attempt (8), attempts (4), rcpt length (1), rcpt, nonce (24),
 * secretbox(message). Expiry: the code's.
 *
 * A pass sends up to BATCH due mails and then settles them all in one write
 * transaction (one commit, not one per mail: the sender's commits queue with
 * the guests' requests for the one LMDB writer). A crash between sending
 * and settling sends those mails again, as it did for one mail before
 * (delivery is at least once, outbox.h). The SMTP sender keeps its libcurl
 * handle between mails, so a pass reuses one connection to the relay.
 */
#include "outbox.h"
#include "bytes.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "log.h"

#define HDR_LEN (8 + 4 + 1)
#define BATCH 16

struct outbox {
	struct store *st;
	const struct secrets *keys;
	struct outbox_smtp smtp;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool kicked, stopping;
};

bool outbox_seal(const struct secrets *keys, const char *rcpt, const char *msg, size_t len, uint64_t now,
		 uint8_t **out, size_t *reclen)
{
	size_t rlen = strlen(rcpt), total = HDR_LEN + rlen + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
	uint8_t *rec, *p;

	if (rlen >= ADDR_BUF || len > CAP_MAIL_BYTES)
		return false;
	rec = malloc(total);
	if (rec == NULL)
		return false;
	be_put(rec, now, 8);
	be_put(rec + 8, 0, 4);
	rec[12] = (uint8_t)rlen;
	memcpy(rec + HDR_LEN, rcpt, rlen);
	p = rec + HDR_LEN + rlen;
	randombytes_buf(p, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(p + crypto_secretbox_NONCEBYTES, (const uint8_t *)msg, len, p, keys->outbox);
	*out = rec;
	*reclen = total;
	return true;
}

enum store_status outbox_put_sealed(struct store_txn *txn, const uint8_t slot[TOKEN_ID_LEN], const uint8_t *rec,
				    size_t reclen, uint64_t expires_at)
{
	return store_put(txn, STORE_OUTBOX, slot, TOKEN_ID_LEN, rec, reclen, expires_at);
}

void outbox_free_sealed(uint8_t *rec, size_t reclen)
{
	if (rec == NULL)
		return;
	sodium_memzero(rec, reclen);
	free(rec);
}

enum store_status outbox_put(struct store_txn *txn, const struct secrets *keys, const uint8_t slot[TOKEN_ID_LEN],
			     const char *rcpt, const char *msg, size_t len, uint64_t now, uint64_t expires_at)
{
	uint8_t *rec;
	size_t total;
	enum store_status s;

	if (!outbox_seal(keys, rcpt, msg, len, now, &rec, &total))
		return STORE_ERROR;
	s = outbox_put_sealed(txn, slot, rec, total, expires_at);
	outbox_free_sealed(rec, total);
	return s;
}

struct due_mail {
	uint8_t slot[TOKEN_ID_LEN];
	char rcpt[ADDR_BUF];
	uint32_t attempts;
	uint64_t expires_at;
	uint8_t nonce[crypto_secretbox_NONCEBYTES];	/* tells this mail from a newer one in the slot */
	char *msg;	/* sodium_malloc'd: it holds a code */
	size_t len;
};

struct collect {
	const struct secrets *keys;
	uint64_t now;
	struct due_mail due[BATCH];
	size_t n;
	uint64_t next;	/* earliest next_attempt seen (outbox_next_due) */
};

static bool parse_rec(const struct store_val *v, uint64_t *next, uint32_t *attempts, size_t *rlen)
{
	const uint8_t *d = v->data;

	if (v->len < HDR_LEN)
		return false;
	*next = be_get(d, 8);
	*attempts = (uint32_t)be_get(d + 8, 4);
	*rlen = d[12];
	return v->len >= HDR_LEN + *rlen + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
}

static bool collect_one(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct collect *c = arg;
	struct due_mail *m = &c->due[c->n];
	const uint8_t *d = v->data, *nonce;
	uint64_t next;
	size_t rlen, clen;

	if (klen != TOKEN_ID_LEN || !parse_rec(v, &next, &m->attempts, &rlen) || next > c->now)
		return true;
	nonce = d + HDR_LEN + rlen;
	clen = v->len - HDR_LEN - rlen - crypto_secretbox_NONCEBYTES;
	m->len = clen - crypto_secretbox_MACBYTES;
	m->msg = sodium_malloc(m->len + 1);
	if (m->msg == NULL)
		return false;
	if (crypto_secretbox_open_easy((uint8_t *)m->msg, nonce + crypto_secretbox_NONCEBYTES, clen, nonce,
				       c->keys->outbox) != 0) {
		/* A record we cannot open (the secret changed): it can never be sent. */
		log_warn("event=outbox_undecryptable");
		sodium_free(m->msg);
		m->msg = NULL;
		return true;
	}
	m->msg[m->len] = '\0';
	memcpy(m->slot, key, TOKEN_ID_LEN);
	memcpy(m->nonce, nonce, sizeof(m->nonce));
	memcpy(m->rcpt, d + HDR_LEN, rlen);
	m->rcpt[rlen] = '\0';
	m->expires_at = v->expires_at;
	return ++c->n < BATCH;
}

static enum store_status collect_due(struct store_txn *txn, void *arg)
{
	struct collect *c = arg;

	/* Run again (a serialization failure): start from nothing. */
	for (size_t i = 0; i < c->n; i++)
		if (c->due[i].msg != NULL)
			sodium_free(c->due[i].msg);
	memset(c->due, 0, sizeof(c->due));
	c->n = 0;

	return store_each(txn, STORE_OUTBOX, c->now, collect_one, c);
}

struct settle {
	const struct due_mail *m;
	bool sent;
	uint64_t now;
};

/* settle - delete a sent mail, or push its next attempt back; leave a newer mail in the slot alone */
static enum store_status settle(struct store_txn *txn, const struct settle *s)
{
	struct store_val v;
	uint64_t next, backoff;
	uint32_t attempts;
	size_t rlen;
	uint8_t *copy;
	enum store_status st = store_get(txn, STORE_OUTBOX, s->m->slot, TOKEN_ID_LEN, s->now, &v);

	if (st != STORE_OK || !parse_rec(&v, &next, &attempts, &rlen) ||
	    memcmp((const uint8_t *)v.data + HDR_LEN + rlen, s->m->nonce, sizeof(s->m->nonce)) != 0)
		return st == STORE_NOTFOUND || st == STORE_OK ? STORE_OK : st;
	if (s->sent)
		return store_del(txn, STORE_OUTBOX, s->m->slot, TOKEN_ID_LEN);
	/* 1, 2, 4, 8, then every OUTBOX_MAX_BACKOFF seconds until the code expires (outbox.h). */
	backoff = attempts < 6 ? (1u << attempts) : OUTBOX_MAX_BACKOFF;
	copy = malloc(v.len);
	if (copy == NULL)
		return STORE_ERROR;
	memcpy(copy, v.data, v.len);
	be_put(copy, s->now + (backoff < OUTBOX_MAX_BACKOFF ? backoff : OUTBOX_MAX_BACKOFF), 8);
	be_put(copy + 8, attempts + 1, 4);
	st = store_put(txn, STORE_OUTBOX, s->m->slot, TOKEN_ID_LEN, copy, v.len, v.expires_at);
	free(copy);
	return st;
}

struct settle_all {
	struct settle s[BATCH];
	size_t n;
};

static enum store_status settle_txn(struct store_txn *txn, void *arg)
{
	struct settle_all *a = arg;
	enum store_status st = STORE_OK;

	for (size_t i = 0; i < a->n && st == STORE_OK; i++)
		st = settle(txn, &a->s[i]);
	return st;
}

struct claim {
	const struct due_mail *m;
	uint64_t now, lease;
	bool mine;
};

/* claim - take one due mail for lease seconds, so another host sharing the store does not send it too */
static enum store_status claim(struct store_txn *txn, void *arg)
{
	struct claim *c = arg;
	struct store_val v;
	uint64_t next;
	uint32_t attempts;
	size_t rlen;
	uint8_t *copy;
	enum store_status st = store_get(txn, STORE_OUTBOX, c->m->slot, TOKEN_ID_LEN, c->now, &v);

	c->mine = false;
	/* Gone (sent by another host), replaced by a newer mail, or claimed by another host: not mine. */
	if (st != STORE_OK || !parse_rec(&v, &next, &attempts, &rlen) || next > c->now ||
	    memcmp((const uint8_t *)v.data + HDR_LEN + rlen, c->m->nonce, sizeof(c->m->nonce)) != 0)
		return st == STORE_NOTFOUND || st == STORE_OK ? STORE_OK : st;
	if ((copy = malloc(v.len)) == NULL)
		return STORE_ERROR;
	memcpy(copy, v.data, v.len);
	be_put(copy, c->now + c->lease, 8);
	st = store_put(txn, STORE_OUTBOX, c->m->slot, TOKEN_ID_LEN, copy, v.len, v.expires_at);
	free(copy);
	c->mine = st == STORE_OK;
	return st;
}

/* deliver_due - one batch; *full: the batch was full (more may be due at once) */
static size_t deliver_due(struct store *st, const struct secrets *keys, uint64_t now, uint64_t lease,
			  outbox_send_fn send, void *arg, bool *full)
{
	struct collect *c = calloc(1, sizeof(*c));
	struct settle_all *a = calloc(1, sizeof(*a));
	size_t sent = 0;

	if (c == NULL || a == NULL) {
		free(c);
		free(a);
		return 0;
	}
	c->keys = keys;
	c->now = now;
	*full = false;
	if (store_read(st, collect_due, c) == STORE_OK) {
		*full = c->n == BATCH;
		for (size_t i = 0; i < c->n; i++) {
			struct settle s = { &c->due[i], false, now };
			struct claim cl = { &c->due[i], now, lease, false };

			/* Several hosts on one store: each mail is claimed by one of them (the transaction is
			 * serializable) before it is sent, so it goes out once; a host killed while holding the
			 * claim loses it when the lease runs out, and another host sends the mail. */
			if (store_is_shared(st) && (store_write(st, claim, &cl) != STORE_OK || !cl.mine))
				continue;
			s.sent = send(arg, c->due[i].rcpt, c->due[i].msg, c->due[i].len);
			if (s.sent) {
				sent++;
				log_info("event=code_mail_sent attempts=%u", c->due[i].attempts + 1);
			} else {
				log_warn("event=code_mail_deferred attempts=%u expires_in=%llds", c->due[i].attempts + 1,
					 (long long)(c->due[i].expires_at - now));
			}
			a->s[a->n++] = s;
		}
		if (a->n > 0 && store_write(st, settle_txn, a) != STORE_OK)
			log_error("event=outbox_settle_failed");
	}
	free(a);
	for (size_t i = 0; i < c->n; i++)
		if (c->due[i].msg != NULL)
			sodium_free(c->due[i].msg);
	free(c);
	return sent;
}

size_t outbox_deliver_due(struct store *st, const struct secrets *keys, uint64_t now, outbox_send_fn send, void *arg)
{
	bool full;

	return deliver_due(st, keys, now, OUTBOX_LEASE, send, arg, &full);
}

static bool earliest(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct collect *c = arg;
	uint64_t next;
	uint32_t attempts;
	size_t rlen;

	(void)key;
	(void)klen;
	if (parse_rec(v, &next, &attempts, &rlen) && next < c->next)
		c->next = next;
	return true;
}

static enum store_status find_earliest(struct store_txn *txn, void *arg)
{
	struct collect *c = arg;

	return store_each(txn, STORE_OUTBOX, c->now, earliest, c);
}

uint64_t outbox_next_due(struct store *st, uint64_t now, uint64_t max)
{
	struct collect c;

	c.now = now;
	c.next = now + max;
	if (store_read(st, find_earliest, &c) != STORE_OK)
		return max;
	return c.next > now ? c.next - now : 0;
}

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *out, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb;

	if (n > r->left)
		n = r->left;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

bool outbox_smtp_send(void *arg, const char *rcpt, const char *msg, size_t len)
{
	struct outbox_smtp *smtp = arg;
	struct reader r = { msg, len };
	struct curl_slist *to = NULL;
	char from[ADDR_BUF + 2], rc[ADDR_BUF + 2];
	CURLcode res = CURLE_FAILED_INIT;
	CURL *curl = smtp->curl;

	/* One handle for the sender's life: curl_easy_reset keeps its connection to the relay open. */
	if (curl != NULL)
		curl_easy_reset(curl);
	else if ((curl = smtp->curl = curl_easy_init()) == NULL)
		return false;
	snprintf(from, sizeof(from), "<%s>", smtp->from);
	snprintf(rc, sizeof(rc), "<%s>", rcpt);
	to = curl_slist_append(NULL, rc);
	if (to != NULL) {
		curl_easy_setopt(curl, CURLOPT_URL, smtp->url);
		curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
		curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(curl, CURLOPT_READDATA, &r);
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, smtp->timeout);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, smtp->timeout < CAP_SMTP_CONNECT_S ? smtp->timeout : CAP_SMTP_CONNECT_S);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
		res = curl_easy_perform(curl);
		if (res != CURLE_OK)
			log_warn("event=smtp_failed error=\"%s\"", curl_easy_strerror(res));
	}
	curl_slist_free_all(to);
	if (res != CURLE_OK) {
		/* Start afresh after a failure: no half-dead connection is kept. */
		curl_easy_cleanup(curl);
		smtp->curl = NULL;
	}
	return res == CURLE_OK;
}

static void *sender_main(void *arg)
{
	struct outbox *ob = arg;

	pthread_mutex_lock(&ob->lock);
	while (!ob->stopping) {
		uint64_t now, wait;
		struct timespec until;
		bool full;

		ob->kicked = false;
		pthread_mutex_unlock(&ob->lock);
		now = (uint64_t)time(NULL);
		/* The lease outlasts one delivery attempt (curl's timeout), so a claim never ends mid-send. */
		deliver_due(ob->st, ob->keys, now, (uint64_t)ob->smtp.timeout + 5, outbox_smtp_send, &ob->smtp, &full);
		/* A full batch: more is due now, so no walk of the whole outbox for the next due time (on
		 * PostgreSQL that walk read every queued mail, once per batch of a backlog). A shared store:
		 * other hosts queue mails this one hears nothing of, so look more often. */
		wait = full ? 0
			    : outbox_next_due(ob->st, (uint64_t)time(NULL),
					      store_is_shared(ob->st) ? OUTBOX_SHARED_POLL : 30);
		pthread_mutex_lock(&ob->lock);
		if (ob->kicked || ob->stopping || wait == 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)wait;
		while (!ob->kicked && !ob->stopping && pthread_cond_timedwait(&ob->cond, &ob->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&ob->lock);
	return NULL;
}

struct outbox *outbox_start(struct store *st, const struct secrets *keys, const struct outbox_smtp *smtp)
{
	struct outbox *ob = calloc(1, sizeof(*ob));

	if (ob == NULL)
		return NULL;
	ob->st = st;
	ob->keys = keys;
	ob->smtp = *smtp;
	ob->smtp.curl = NULL;	/* the sender thread's own */
	pthread_mutex_init(&ob->lock, NULL);
	pthread_cond_init(&ob->cond, NULL);
	if ((errno = pthread_create(&ob->thread, NULL, sender_main, ob)) != 0) {
		pthread_mutex_destroy(&ob->lock);
		pthread_cond_destroy(&ob->cond);
		free(ob);
		return NULL;
	}
	return ob;
}

void outbox_kick(struct outbox *ob)
{
	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->kicked = true;
	pthread_cond_signal(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
}

struct outbox *outbox_stop(struct outbox *ob)
{
	if (ob == NULL)
		return NULL;
	pthread_mutex_lock(&ob->lock);
	ob->stopping = true;
	pthread_cond_signal(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
	pthread_join(ob->thread, NULL);
	if (ob->smtp.curl != NULL)
		curl_easy_cleanup(ob->smtp.curl);
	pthread_mutex_destroy(&ob->lock);
	pthread_cond_destroy(&ob->cond);
	free(ob);
	return NULL;
}
