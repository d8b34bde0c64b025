/*
 * upgrade.c - older guest and invitation records rewritten in the binary format (see upgrade.h).
 */
#include "upgrade.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "log.h"
#include "record.h"

struct old_key {
	enum store_db db;
	uint8_t len;
	uint8_t key[CAP_ADDR_BYTES];
};

struct pass {
	uint64_t now;
	struct old_key *keys;
	size_t n;
	enum store_db db;
	bool full;		/* more old records than one pass takes */
	size_t from, to;	/* the batch being rewritten */
	size_t guests, invitations;
};

/* is_old - a record in an older format that decodes (and so can be written in the binary one) */
static bool is_old(enum store_db db, const struct store_val *v)
{
	const uint8_t *p = v->data;
	struct guest g;
	struct invitation inv;
	bool ok;

	if (db == STORE_GUESTS) {
		if (v->len != 8 && (v->len == 0 || p[0] != '{'))
			return false;
		ok = record_guest_decode(v->data, v->len, &g) == RECORD_OK;
		record_guest_clear(&g);
		return ok;
	}
	if (v->len == 0 || p[0] != '{')
		return false;
	ok = record_invitation_decode(v->data, v->len, &inv) == RECORD_OK;
	record_invitation_clear(&inv);
	return ok;
}

static bool collect(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct pass *p = arg;

	if (klen == 0 || klen > CAP_ADDR_BYTES || !is_old(p->db, v))
		return true;
	if (p->n == UPGRADE_PASS) {
		p->full = true;
		return false;
	}
	p->keys[p->n].db = p->db;
	p->keys[p->n].len = (uint8_t)klen;
	memcpy(p->keys[p->n].key, key, klen);
	p->n++;
	return true;
}

static enum store_status collect_txn(struct store_txn *txn, void *arg)
{
	struct pass *p = arg;
	enum store_status s;

	p->db = STORE_GUESTS;
	if ((s = store_each(txn, STORE_GUESTS, p->now, collect, p)) != STORE_OK || p->full)
		return s;
	p->db = STORE_INVITATIONS;
	return store_each(txn, STORE_INVITATIONS, p->now, collect, p);
}

/* rewrite - one record again, in the binary format, with the expiry it had */
static enum store_status rewrite(struct store_txn *txn, const struct old_key *k, uint64_t now, bool *done)
{
	struct store_val v;
	struct buf b;
	struct guest g;
	struct invitation inv;
	enum record_status rs;
	enum store_status s;

	*done = false;
	if ((s = store_get(txn, k->db, k->key, k->len, now, &v)) != STORE_OK || !is_old(k->db, &v))
		return s == STORE_NOTFOUND || s == STORE_OK ? STORE_OK : s;	/* gone or written since */
	buf_init(&b, CAP_RECORD_BYTES);
	if (k->db == STORE_GUESTS) {
		rs = record_guest_decode(v.data, v.len, &g);
		if (rs == RECORD_OK)
			rs = record_guest_encode(&g, &b);
		record_guest_clear(&g);
	} else {
		rs = record_invitation_decode(v.data, v.len, &inv);
		if (rs == RECORD_OK)
			rs = record_invitation_encode(&inv, &b);
		record_invitation_clear(&inv);
	}
	/* A record past a cap in binary too (it never is, as otpd writes them) stays as it is. */
	s = rs == RECORD_OK ? store_put(txn, k->db, k->key, k->len, b.data, b.len, v.expires_at)
			    : rs == RECORD_NOMEM ? STORE_ERROR : STORE_OK;
	*done = rs == RECORD_OK && s == STORE_OK;
	buf_release(&b);
	return s;
}

static enum store_status rewrite_txn(struct store_txn *txn, void *arg)
{
	struct pass *p = arg;
	enum store_status s = STORE_OK;
	size_t guests = 0, invitations = 0;

	for (size_t i = p->from; i < p->to && s == STORE_OK; i++) {
		bool done;

		s = rewrite(txn, &p->keys[i], p->now, &done);
		if (done && p->keys[i].db == STORE_GUESTS)
			guests++;
		else if (done)
			invitations++;
	}
	if (s == STORE_OK) {
		p->guests += guests;
		p->invitations += invitations;
	}
	return s;
}

bool upgrade_pass(struct store *st, uint64_t now)
{
	struct pass p = { .now = now };
	enum store_status s;

	if ((p.keys = malloc(UPGRADE_PASS * sizeof(*p.keys))) == NULL) {
		log_error("event=records_upgrade reason=out_of_memory");
		return false;
	}
	s = store_read(st, collect_txn, &p);
	for (p.from = 0; s == STORE_OK && p.from < p.n; p.from = p.to) {
		p.to = p.from + UPGRADE_BATCH < p.n ? p.from + UPGRADE_BATCH : p.n;
		s = store_write(st, rewrite_txn, &p);
	}
	free(p.keys);
	if (s != STORE_OK) {
		log_error("event=records_upgrade error=store_%s", store_status_word(s));
		return false;
	}
	if (p.guests + p.invitations > 0)
		log_info("event=records_upgraded guests=%zu invitations=%zu", p.guests, p.invitations);
	return p.n == 0;
}
