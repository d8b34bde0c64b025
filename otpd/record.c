/*
 * record.c - the binary codec of guests, invitations and sessions (see record.h).
 *
 * A reader is a cursor that fails once and stays failed: each get_ checks
 * what is left before it reads, so a decoder is a straight list of gets
 * followed by one check that the cursor is good and at the end.
 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

#define GUEST_FLAG_SIGN_IN_MFA 1
#define GUEST_FLAG_TOTP 2
#define GUEST_FLAG_PENDING 4
#define GUEST_FLAGS_ALL 7
#define INV_FLAG_INVITER 1
#define INV_FLAG_ID_UNKNOWN 2
#define INV_FLAGS_ALL 3

struct rd {
	const uint8_t *p;
	size_t left;
	bool ok;
};

static const uint8_t *get_bytes(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (!r->ok || n > r->left) {
		r->ok = false;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static uint64_t get_int(struct rd *r, size_t n)
{
	const uint8_t *p = get_bytes(r, n);

	return p != NULL ? be_get(p, n) : 0;
}

/* get_text - a string of a length read as an n-byte integer, at most max bytes and no NUL */
static const char *get_text(struct rd *r, size_t n, size_t max, size_t *len)
{
	size_t l = (size_t)get_int(r, n);
	const uint8_t *p;

	if (l > max)
		r->ok = false;
	p = get_bytes(r, l);
	if (p != NULL && memchr(p, '\0', l) != NULL)
		r->ok = false;
	*len = l;
	return r->ok ? (const char *)p : NULL;
}

/* get_textbuf - get_text into a buffer of max + 1 */
static void get_textbuf(struct rd *r, size_t n, size_t max, char *out)
{
	size_t l;
	const char *p = get_text(r, n, max, &l);

	if (p == NULL) {
		out[0] = '\0';
		return;
	}
	memcpy(out, p, l);
	out[l] = '\0';
}

/* get_textdup - get_text as a new string (NULL: failed, r->ok tells which) */
static char *get_textdup(struct rd *r, size_t n, size_t max, bool *oom)
{
	size_t l;
	const char *p = get_text(r, n, max, &l);
	char *s;

	if (p == NULL)
		return NULL;
	if ((s = record_strdup(p, l)) == NULL)
		*oom = true;
	return s;
}

static bool done(const struct rd *r)
{
	return r->ok && r->left == 0;
}

char *record_strdup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

static bool put_int(struct buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];

	be_put(tmp, v, n);
	return buf_append(b, tmp, n);
}

/* put_text - s with an n-byte length; false past max */
static bool put_text(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t l = s != NULL ? strlen(s) : 0;

	return l <= max && put_int(b, l, n) && (l == 0 || buf_append(b, s, l));
}

/* --- guests ------------------------------------------------------------------------------------ */

void record_guest_clear(struct guest *g)
{
	for (size_t i = 0; i < g->n_inv && i < RECORD_GUEST_INVITATIONS; i++) {
		free(g->inv[i].inviter);
		free(g->inv[i].resource);
	}
	sodium_memzero(g, sizeof(*g));
}

enum record_status record_guest_view(const void *data, size_t len, struct guest_view *v)
{
	struct rd rr = { data, len, true }, *r = &rr;
	size_t n;

	memset(v, 0, offsetof(struct guest_view, inv));
	if (len == 0 || *(const uint8_t *)data != RECORD_GUEST_V1 || len == 8)
		return RECORD_MALFORMED;	/* an older record: record_guest_decode reads those */
	(void)get_int(r, 1);
	v->flags = (unsigned)get_int(r, 1);
	if ((v->flags & ~(unsigned)GUEST_FLAGS_ALL) != 0)
		return RECORD_MALFORMED;
	v->last_sign_in = get_int(r, 8);
	v->disabled_at = get_int(r, 8);
	v->privacy_accepted_at = get_int(r, 8);
	v->mfa_reset_at = get_int(r, 8);
	v->sign_in = get_text(r, 1, RECORD_METHOD_BUF - 1, &v->sign_in_len);
	if ((v->flags & GUEST_FLAG_TOTP) != 0) {
		v->totp_secret = get_bytes(r, RECORD_SEALED_LEN);
		v->totp_last_step = get_int(r, 8);
		v->totp_enrolled_at = get_int(r, 8);
	}
	if ((v->flags & GUEST_FLAG_PENDING) != 0) {
		v->pending_secret = get_bytes(r, RECORD_SEALED_LEN);
		v->pending_created_at = get_int(r, 8);
	}
	n = (size_t)get_int(r, 1);
	if (n > RECORD_RECOVERY_N)
		return RECORD_MALFORMED;
	v->n_recovery = (unsigned)n;
	v->recovery = get_bytes(r, n * RECORD_HASH_LEN);
	n = (size_t)get_int(r, 1);
	if (n > RECORD_GUEST_INVITATIONS)
		return RECORD_MALFORMED;
	for (size_t i = 0; i < n && r->ok; i++) {
		struct guest_inv_view *gi = &v->inv[i];

		memset(gi, 0, sizeof(*gi));	/* only the entries read are set: n_inv says how many */
		gi->id = get_bytes(r, TOKEN_ID_LEN);
		gi->redeemed_at = get_int(r, 8);
		gi->flags = (unsigned)get_int(r, 1);
		if ((gi->flags & ~(unsigned)INV_FLAGS_ALL) != 0)
			return RECORD_MALFORMED;
		gi->id_unknown = (gi->flags & INV_FLAG_ID_UNKNOWN) != 0;
		if ((gi->flags & INV_FLAG_INVITER) != 0)
			gi->inviter = get_text(r, 1, CAP_ADDR_BYTES, &gi->inviter_len);
		gi->resource = get_text(r, 2, CAP_URL_BYTES, &gi->resource_len);
		v->n_inv = i + 1;
	}
	return done(r) ? RECORD_OK : RECORD_MALFORMED;
}

/* decode_guest_v1 - the view, copied into g */
static enum record_status decode_guest_v1(const void *data, size_t len, struct guest *g)
{
	struct guest_view *v = malloc(sizeof(*v));
	enum record_status s;

	if (v == NULL)
		return RECORD_NOMEM;
	if ((s = record_guest_view(data, len, v)) != RECORD_OK) {
		free(v);
		return s;
	}
	g->sign_in_mfa = (v->flags & GUEST_FLAG_SIGN_IN_MFA) != 0;
	g->last_sign_in = v->last_sign_in;
	g->disabled_at = v->disabled_at;
	g->privacy_accepted_at = v->privacy_accepted_at;
	g->mfa_reset_at = v->mfa_reset_at;
	memcpy(g->sign_in, v->sign_in, v->sign_in_len);
	g->sign_in[v->sign_in_len] = '\0';
	if ((g->mfa.has_totp = v->totp_secret != NULL)) {
		memcpy(g->mfa.totp_secret, v->totp_secret, RECORD_SEALED_LEN);
		g->mfa.totp_last_step = v->totp_last_step;
		g->mfa.totp_enrolled_at = v->totp_enrolled_at;
	}
	if ((g->mfa.has_pending = v->pending_secret != NULL)) {
		memcpy(g->mfa.pending_secret, v->pending_secret, RECORD_SEALED_LEN);
		g->mfa.pending_created_at = v->pending_created_at;
	}
	g->mfa.n_recovery = v->n_recovery;
	if (v->n_recovery > 0)
		memcpy(g->mfa.recovery, v->recovery, v->n_recovery * RECORD_HASH_LEN);
	for (size_t i = 0; i < v->n_inv && s == RECORD_OK; i++) {
		struct guest_invitation *gi = &g->inv[i];

		g->n_inv = i + 1;
		memcpy(gi->id, v->inv[i].id, TOKEN_ID_LEN);
		gi->id_unknown = v->inv[i].id_unknown;
		gi->redeemed_at = v->inv[i].redeemed_at;
		if (v->inv[i].inviter != NULL && (gi->inviter = record_strdup(v->inv[i].inviter, v->inv[i].inviter_len)) == NULL)
			s = RECORD_NOMEM;
		if ((gi->resource = record_strdup(v->inv[i].resource, v->inv[i].resource_len)) == NULL)
			s = RECORD_NOMEM;
	}
	free(v);
	return s;
}

enum record_status record_guest_decode(const void *data, size_t len, struct guest *g)
{
	const uint8_t *p = data;
	enum record_status s;

	memset(g, 0, sizeof(*g));
	/* The first version: 8 bytes, the last sign-in. No binary record is that short. */
	if (len == 8) {
		g->last_sign_in = be_get(p, 8);
		return RECORD_OK;
	}
	if (len > 0 && p[0] == '{')
		s = record_legacy_guest(data, len, g);
	else if (len > 0 && p[0] == RECORD_GUEST_V1)
		s = decode_guest_v1(data, len, g);
	else
		s = RECORD_MALFORMED;
	if (s != RECORD_OK)
		record_guest_clear(g);
	return s;
}

enum record_status record_guest_encode(const struct guest *g, struct buf *b)
{
	unsigned flags = (g->sign_in_mfa ? GUEST_FLAG_SIGN_IN_MFA : 0) | (g->mfa.has_totp ? GUEST_FLAG_TOTP : 0) |
			 (g->mfa.has_pending ? GUEST_FLAG_PENDING : 0);
	bool ok;

	if (g->n_inv > RECORD_GUEST_INVITATIONS || g->mfa.n_recovery > RECORD_RECOVERY_N)
		return RECORD_TOO_BIG;
	ok = put_int(b, RECORD_GUEST_V1, 1) && put_int(b, flags, 1) && put_int(b, g->last_sign_in, 8) &&
	     put_int(b, g->disabled_at, 8) && put_int(b, g->privacy_accepted_at, 8) && put_int(b, g->mfa_reset_at, 8) &&
	     put_text(b, g->sign_in, 1, sizeof(g->sign_in) - 1);
	if (ok && g->mfa.has_totp)
		ok = buf_append(b, g->mfa.totp_secret, RECORD_SEALED_LEN) && put_int(b, g->mfa.totp_last_step, 8) &&
		     put_int(b, g->mfa.totp_enrolled_at, 8);
	if (ok && g->mfa.has_pending)
		ok = buf_append(b, g->mfa.pending_secret, RECORD_SEALED_LEN) && put_int(b, g->mfa.pending_created_at, 8);
	ok = ok && put_int(b, g->mfa.n_recovery, 1);
	for (unsigned i = 0; ok && i < g->mfa.n_recovery; i++)
		ok = buf_append(b, g->mfa.recovery[i], RECORD_HASH_LEN);
	ok = ok && put_int(b, g->n_inv, 1);
	for (size_t i = 0; ok && i < g->n_inv; i++) {
		const struct guest_invitation *gi = &g->inv[i];
		unsigned f = (gi->inviter != NULL ? INV_FLAG_INVITER : 0) | (gi->id_unknown ? INV_FLAG_ID_UNKNOWN : 0);

		ok = buf_append(b, gi->id, TOKEN_ID_LEN) && put_int(b, gi->redeemed_at, 8) && put_int(b, f, 1) &&
		     (gi->inviter == NULL || put_text(b, gi->inviter, 1, CAP_ADDR_BYTES)) &&
		     put_text(b, gi->resource, 2, CAP_URL_BYTES);
	}
	return ok ? RECORD_OK : RECORD_TOO_BIG;
}

/* --- invitations ------------------------------------------------------------------------------- */

void record_invitation_clear(struct invitation *inv)
{
	free(inv->kid);
	free(inv->inviter);
	free(inv->queue_id);
	for (size_t i = 0; i < inv->n_resources; i++)
		free(inv->resources[i]);
	free(inv->resources);
	for (size_t i = 0; i < inv->n_redeemed; i++)
		free(inv->redeemed[i].email);
	free(inv->redeemed);
	memset(inv, 0, sizeof(*inv));
}

bool record_invitation_add_resource(struct invitation *inv, const char *url)
{
	char **r, *s;

	if (inv->n_resources >= CAP_LINKS || strlen(url) > CAP_URL_BYTES)
		return false;
	if ((r = realloc(inv->resources, (inv->n_resources + 1) * sizeof(*r))) == NULL)
		return false;
	inv->resources = r;
	if ((s = record_strdup(url, strlen(url))) == NULL)
		return false;
	r[inv->n_resources++] = s;
	inv->has |= INVITATION_HAS_RESOURCES;
	return true;
}

/* redeemed_index - where email is in inv's redeemed list, or n_redeemed */
static size_t redeemed_index(const struct invitation *inv, size_t n, const char *email)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(inv->redeemed[i].email, email) == 0)
			break;
	return i;
}

/* compact_redeemed - keep the first entry of each address (records written before entries were unique) */
static void compact_redeemed(struct invitation *inv)
{
	size_t kept = 0;

	for (size_t i = 0; i < inv->n_redeemed; i++) {
		if (redeemed_index(inv, kept, inv->redeemed[i].email) < kept) {
			free(inv->redeemed[i].email);
			continue;
		}
		inv->redeemed[kept++] = inv->redeemed[i];
	}
	inv->n_redeemed = kept;
}

bool record_invitation_add_redeemer(struct invitation *inv, const char *email, uint64_t at)
{
	struct invitation_redeemer *r;
	char *s;

	/* Security: one entry per address, the first redemption's. Every sign-in through a link redeems it
	 * again; an entry each time filled the list (CAP_GUESTS) and then refused every guest of the link
	 * (red team 2, finding 08). */
	if (redeemed_index(inv, inv->n_redeemed, email) < inv->n_redeemed)
		return true;
	if (inv->n_redeemed >= CAP_GUESTS)
		compact_redeemed(inv);
	if (inv->n_redeemed >= CAP_GUESTS || strlen(email) > CAP_ADDR_BYTES)
		return false;
	if ((r = realloc(inv->redeemed, (inv->n_redeemed + 1) * sizeof(*r))) == NULL)
		return false;
	inv->redeemed = r;
	if ((s = record_strdup(email, strlen(email))) == NULL)
		return false;
	r[inv->n_redeemed].email = s;
	r[inv->n_redeemed].closed_at = 0;
	r[inv->n_redeemed++].at = at;
	inv->has |= INVITATION_HAS_REDEEMED;
	return true;
}

#define INV_HEAD (1 + 2 + 8)	/* version, has, revoked_at */

/* decode_invitation - v1, or v2 (v2: each redeemer carries closed_at) */
static enum record_status decode_invitation(struct rd *r, struct invitation *inv, unsigned version)
{
	const uint8_t *id;
	size_t n;
	bool oom = false;

	(void)get_int(r, 1);
	inv->has = (unsigned)get_int(r, 2);
	if ((inv->has & ~(unsigned)INVITATION_HAS_ALL) != 0)
		return RECORD_MALFORMED;
	inv->revoked_at = get_int(r, 8);
	if ((id = get_bytes(r, TOKEN_ID_LEN)) != NULL)
		memcpy(inv->id, id, TOKEN_ID_LEN);
	inv->guests = get_int(r, 8);
	inv->issued_at = get_int(r, 8);
	inv->expires_at = get_int(r, 8);
	inv->sent_at = get_int(r, 8);
	inv->kid = get_textdup(r, 1, RECORD_KID_MAX, &oom);
	inv->inviter = get_textdup(r, 2, RECORD_TEXT_MAX, &oom);
	inv->queue_id = get_textdup(r, 2, RECORD_TEXT_MAX, &oom);
	n = (size_t)get_int(r, 2);
	if (n > CAP_LINKS)
		return RECORD_MALFORMED;
	if (n > 0 && r->ok && (inv->resources = calloc(n, sizeof(*inv->resources))) == NULL)
		return RECORD_NOMEM;
	for (size_t i = 0; i < n && r->ok && !oom; i++) {
		inv->n_resources = i + 1;
		inv->resources[i] = get_textdup(r, 2, CAP_URL_BYTES, &oom);
	}
	n = (size_t)get_int(r, 2);
	if (n > CAP_GUESTS)
		return RECORD_MALFORMED;
	if (n > 0 && r->ok && (inv->redeemed = calloc(n, sizeof(*inv->redeemed))) == NULL)
		return RECORD_NOMEM;
	for (size_t i = 0; i < n && r->ok && !oom; i++) {
		inv->n_redeemed = i + 1;
		inv->redeemed[i].email = get_textdup(r, 2, CAP_ADDR_BYTES, &oom);
		inv->redeemed[i].at = get_int(r, 8);
		inv->redeemed[i].closed_at = version >= RECORD_INVITATION_V2 ? get_int(r, 8) : 0;
	}
	if (oom)
		return RECORD_NOMEM;
	return done(r) ? RECORD_OK : RECORD_MALFORMED;
}

enum record_status record_invitation_decode(const void *data, size_t len, struct invitation *inv)
{
	const uint8_t *p = data;
	struct rd r = { p, len, true };
	enum record_status s;

	memset(inv, 0, sizeof(*inv));
	if (len > 0 && p[0] == '{')
		s = record_legacy_invitation(data, len, inv);
	else if (len > 0 && (p[0] == RECORD_INVITATION_V1 || p[0] == RECORD_INVITATION_V2))
		s = decode_invitation(&r, inv, p[0]);
	else
		s = RECORD_MALFORMED;
	if (s != RECORD_OK)
		record_invitation_clear(inv);
	return s;
}

enum record_status record_invitation_revoked(const void *data, size_t len, bool *revoked)
{
	const uint8_t *p = data;

	*revoked = false;
	if (len > 0 && p[0] == '{')
		return record_legacy_invitation_revoked(data, len, revoked);
	/* Security: only the head is read here, so a record whose rest is damaged still says it was revoked. */
	if (len < INV_HEAD || (p[0] != RECORD_INVITATION_V1 && p[0] != RECORD_INVITATION_V2) ||
	    (be_get(p + 1, 2) & ~(uint64_t)INVITATION_HAS_ALL) != 0)
		return RECORD_MALFORMED;
	*revoked = (be_get(p + 1, 2) & INVITATION_HAS_REVOKED_AT) != 0;
	return RECORD_OK;
}

enum record_status record_invitation_encode(const struct invitation *inv, struct buf *b)
{
	bool ok;

	if (inv->n_resources > CAP_LINKS || inv->n_redeemed > CAP_GUESTS || (inv->has & ~(unsigned)INVITATION_HAS_ALL))
		return RECORD_TOO_BIG;
	ok = put_int(b, RECORD_INVITATION_V2, 1) && put_int(b, inv->has, 2) && put_int(b, inv->revoked_at, 8) &&
	     buf_append(b, inv->id, TOKEN_ID_LEN) && put_int(b, inv->guests, 8) && put_int(b, inv->issued_at, 8) &&
	     put_int(b, inv->expires_at, 8) && put_int(b, inv->sent_at, 8) && put_text(b, inv->kid, 1, RECORD_KID_MAX) &&
	     put_text(b, inv->inviter, 2, RECORD_TEXT_MAX) && put_text(b, inv->queue_id, 2, RECORD_TEXT_MAX) &&
	     put_int(b, inv->n_resources, 2);
	for (size_t i = 0; ok && i < inv->n_resources; i++)
		ok = put_text(b, inv->resources[i], 2, CAP_URL_BYTES);
	ok = ok && put_int(b, inv->n_redeemed, 2);
	for (size_t i = 0; ok && i < inv->n_redeemed; i++)
		ok = put_text(b, inv->redeemed[i].email, 2, CAP_ADDR_BYTES) && put_int(b, inv->redeemed[i].at, 8) &&
		     put_int(b, inv->redeemed[i].closed_at, 8);
	return ok ? RECORD_OK : RECORD_TOO_BIG;
}

/* --- sessions ---------------------------------------------------------------------------------- */

#define SESSION_V2_HEAD 18

/* decode_session_v2 - today's v2: version, level, created_at, last_seen, address NUL, destination */
static enum record_status decode_session_v2(const uint8_t *p, size_t len, struct session *s)
{
	const char *nul;
	size_t alen, dlen;

	if (len < SESSION_V2_HEAD + 2)
		return RECORD_MALFORMED;
	nul = memchr(p + SESSION_V2_HEAD, '\0', len - SESSION_V2_HEAD);
	if (nul == NULL)
		return RECORD_MALFORMED;
	alen = (size_t)(nul - (const char *)(p + SESSION_V2_HEAD));
	dlen = len - SESSION_V2_HEAD - alen - 1;
	if (alen == 0 || alen >= ADDR_BUF || dlen > CAP_URL_BYTES || memchr(nul + 1, '\0', dlen) != NULL)
		return RECORD_MALFORMED;
	s->level = p[1];
	s->created_at = be_get(p + 2, 8);
	s->last_seen = be_get(p + 10, 8);
	memcpy(s->addr, p + SESSION_V2_HEAD, alen + 1);
	memcpy(s->dest, nul + 1, dlen);
	s->dest[dlen] = '\0';
	return RECORD_OK;
}

enum record_status record_session_decode(const void *data, size_t len, struct session *s)
{
	const uint8_t *p = data;
	struct rd r = { p, len, true };

	memset(s, 0, sizeof(*s));
	if (len > 0 && p[0] == RECORD_SESSION_V2)
		return decode_session_v2(p, len, s);
	if (len == 0 || p[0] != RECORD_SESSION_V3)
		return RECORD_MALFORMED;
	(void)get_int(&r, 1);
	s->level = (uint8_t)get_int(&r, 1);
	s->created_at = get_int(&r, 8);
	s->last_seen = get_int(&r, 8);
	get_textbuf(&r, 1, CAP_ADDR_BYTES, s->addr);
	get_textbuf(&r, 2, CAP_URL_BYTES, s->dest);
	if (!done(&r) || s->addr[0] == '\0') {
		memset(s, 0, sizeof(*s));
		return RECORD_MALFORMED;
	}
	return RECORD_OK;
}

enum record_status record_session_encode(const struct session *s, uint8_t out[RECORD_SESSION_MAX], size_t *len)
{
	size_t alen = strnlen(s->addr, sizeof(s->addr)), dlen = strnlen(s->dest, sizeof(s->dest)), n = 0;

	*len = 0;
	if (alen == 0 || alen > CAP_ADDR_BYTES || dlen > CAP_URL_BYTES)
		return RECORD_TOO_BIG;
	out[n++] = RECORD_SESSION_V3;
	out[n++] = s->level;
	be_put(out + n, s->created_at, 8);
	n += 8;
	be_put(out + n, s->last_seen, 8);
	n += 8;
	out[n++] = (uint8_t)alen;
	memcpy(out + n, s->addr, alen);
	n += alen;
	be_put(out + n, dlen, 2);
	n += 2;
	memcpy(out + n, s->dest, dlen);
	*len = n + dlen;
	return RECORD_OK;
}
