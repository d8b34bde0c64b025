/*
 * oidc_pending.c - the pending sign-in record (state, nonce, PKCE verifier,
 * the typed address and the link or rd) that otpd keeps in the sessions
 * database between the redirect and the callback, for one use (see oidc.h).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "oidc_impl.h"

#define PENDING_VERSION 2	/* 2: a flags byte (1 = /login) and rd after the link token */

static bool put_u64(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	return buf_append(b, x, 8);
}

static bool put_str(struct buf *b, const char *s, bool wide)
{
	size_t len = strlen(s);
	uint8_t n[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > (wide ? 0xffffu : 0xffu))
		return false;
	return (wide ? buf_append(b, n, 2) : buf_append(b, n + 1, 1)) && buf_append(b, s, len);
}

bool oidc_pending_encode(const struct oidc_pending *p, struct buf *out)
{
	uint8_t v = PENDING_VERSION, flags = p->login ? 1 : 0;

	return p->link_token != NULL && buf_append(out, &v, 1) && buf_append(out, &flags, 1) &&
	       put_u64(out, p->created_at) && put_u64(out, p->expires_at) &&
	       buf_append(out, p->invitation, TOKEN_ID_LEN) && put_str(out, p->provider, false) &&
	       put_str(out, p->state, false) && put_str(out, p->nonce, false) && put_str(out, p->verifier, false) &&
	       put_str(out, p->email, false) && put_str(out, p->link_token, true) && put_str(out, p->rd, true) &&
	       out->len <= CAP_OIDC_PENDING_BYTES;
}

struct cursor {
	const uint8_t *p, *end;
};

static bool get_bytes(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

static bool get_u64(struct cursor *c, uint64_t *v)
{
	uint8_t x[8];

	if (!get_bytes(c, x, 8))
		return false;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v = *v << 8 | x[i];
	return true;
}

/* get_str - a length-prefixed string into out (size outsz, NUL added); no NUL inside */
static bool get_str(struct cursor *c, bool wide, char *out, size_t outsz)
{
	uint8_t n[2] = { 0, 0 };
	size_t len;

	if (!(wide ? get_bytes(c, n, 2) : get_bytes(c, n + 1, 1)))
		return false;
	len = (size_t)n[0] << 8 | n[1];
	if (len >= outsz || !get_bytes(c, out, len) || memchr(out, '\0', len) != NULL)
		return false;
	out[len] = '\0';
	return true;
}

bool oidc_pending_decode(const void *data, size_t len, struct oidc_pending *out)
{
	struct cursor c = { data, (const uint8_t *)data + len };
	uint8_t v = 0, flags = 0xff;
	char *link;

	memset(out, 0, sizeof(*out));
	if (len > CAP_OIDC_PENDING_BYTES || (link = malloc(CAP_TOKEN_BYTES + 1)) == NULL)
		return false;
	if (get_bytes(&c, &v, 1) && v == PENDING_VERSION && get_bytes(&c, &flags, 1) && flags <= 1 &&
	    get_u64(&c, &out->created_at) &&
	    get_u64(&c, &out->expires_at) && get_bytes(&c, out->invitation, TOKEN_ID_LEN) &&
	    get_str(&c, false, out->provider, sizeof(out->provider)) &&
	    get_str(&c, false, out->state, sizeof(out->state)) && get_str(&c, false, out->nonce, sizeof(out->nonce)) &&
	    get_str(&c, false, out->verifier, sizeof(out->verifier)) &&
	    get_str(&c, false, out->email, sizeof(out->email)) && get_str(&c, true, link, CAP_TOKEN_BYTES + 1) &&
	    get_str(&c, true, out->rd, sizeof(out->rd)) && c.p == c.end) {
		out->login = flags == 1;
		out->link_token = link;
		return true;
	}
	free(link);
	oidc_pending_clear(out);
	return false;
}

void oidc_pending_clear(struct oidc_pending *p)
{
	free(p->link_token);
	sodium_memzero(p, sizeof(*p));
}

void oidc_pending_key(const char *state, uint8_t key[OIDC_STATE_KEY_LEN])
{
	key[0] = 'O';	/* sessions' own keys are 32 bytes: no clash */
	crypto_generichash(key + 1, OIDC_STATE_KEY_LEN - 1, (const uint8_t *)state, strlen(state), NULL, 0);
}

struct pending_op {
	uint8_t key[OIDC_STATE_KEY_LEN];
	const struct buf *val;
	uint64_t now, expires_at;
	struct oidc_pending *out;
	bool found;
};

static enum store_status pending_put_cb(struct store_txn *txn, void *arg)
{
	struct pending_op *op = arg;

	return store_put(txn, STORE_SESSIONS, op->key, sizeof(op->key), op->val->data, op->val->len, op->expires_at);
}

enum store_status oidc_pending_put(struct store *st, const struct oidc_pending *p)
{
	struct buf b;
	struct pending_op op = { .expires_at = p->expires_at };
	enum store_status s = STORE_ERROR;

	buf_init(&b, CAP_OIDC_PENDING_BYTES);
	oidc_pending_key(p->state, op.key);
	op.val = &b;
	if (oidc_pending_encode(p, &b))
		s = store_write(st, pending_put_cb, &op);
	if (b.data != NULL)
		sodium_memzero(b.data, b.len);	/* it holds the nonce and the PKCE verifier */
	buf_release(&b);
	return s;
}

static enum store_status pending_take_cb(struct store_txn *txn, void *arg)
{
	struct pending_op *op = arg;
	struct store_val v;
	enum store_status s = store_get(txn, STORE_SESSIONS, op->key, sizeof(op->key), op->now, &v);

	if (s == STORE_NOTFOUND)
		return STORE_ABORT;
	if (s != STORE_OK)
		return s;
	oidc_pending_clear(op->out);
	op->found = oidc_pending_decode(v.data, v.len, op->out);
	/* Security: one use, whatever comes of it (a replayed state finds nothing). */
	return store_del(txn, STORE_SESSIONS, op->key, sizeof(op->key));
}

enum oidc_err oidc_pending_take(struct store *st, const char *state, uint64_t now, struct oidc_pending *out)
{
	struct pending_op op = { .now = now, .out = out };
	enum store_status s;

	memset(out, 0, sizeof(*out));
	if (strlen(state) != OIDC_RANDOM_TEXT)
		return OIDC_ERR_STATE;
	oidc_pending_key(state, op.key);
	s = store_write(st, pending_take_cb, &op);
	if (s == STORE_OK && op.found)
		return OIDC_OK;
	oidc_pending_clear(out);
	return s == STORE_OK || s == STORE_ABORT ? OIDC_ERR_STATE : OIDC_ERR_PROVIDER;
}
