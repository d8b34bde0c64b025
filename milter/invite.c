/*
 * invite.c - from a collected message to a verdict and its changes (see invite.h).
 *
 * Failure: anything that goes wrong once a mail is known to be an invitation
 * (memory, a cap, signing) is VERDICT_TEMPFAIL: the client keeps the mail,
 * and it is never sent with its links unrewritten.
 */
#include "invite.h"

#include <stdlib.h>
#include <string.h>

#include "footer.h"
#include "subject.h"

#define LINK_CACHE 32

/* struct link_state - what the link callback needs for every accept link */
struct link_state {
	const struct invite_request *req;
	struct token base;		/* id, times, inviter, guests; resource filled per link */
	struct invite_result *res;
	/* The same URL gives the same token (Ed25519 is deterministic): sign it once. */
	size_t n_cached;
	struct {
		char *url;
		char *link;
	} cache[LINK_CACHE];
};

bool invite_tagged(const struct milter_config *cfg, const char *subject)
{
	struct buf tmp;
	enum subject_tag t;

	if (subject == NULL)
		return false;
	buf_init(&tmp, CAP_HEADER_BYTES);
	t = subject_strip_tag(subject, cfg->subject_tag, &tmp);
	buf_release(&tmp);
	return t != SUBJECT_UNTAGGED;
}

void invite_result_init(struct invite_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->body, CAP_MESSAGE_BYTES + CAP_MESSAGE_BYTES / 4);
	buf_init(&res->subject, CAP_HEADER_BYTES);
	buf_init(&res->resources, CAP_URL_BYTES * 8);
}

void invite_result_free(struct invite_result *res)
{
	buf_release(&res->body);
	buf_release(&res->subject);
	buf_release(&res->resources);
}

/* note_resource - remember a distinct resource URL for the log line and the report */
static bool note_resource(struct invite_result *res, const char *url)
{
	const char *p = res->resources.data;
	size_t n = strlen(url);

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && memcmp(p, url, n) == 0)
			return true;
		p = end ? end + 1 : p + len;
	}
	/* The list is informational: if it is full, the links are still right. */
	if ((res->resources.len ? buf_putc(&res->resources, ' ') : true) && buf_puts(&res->resources, url))
		res->n_resources++;
	return true;
}

/* cache_find - the accept link made before for this URL, or NULL */
static const char *cache_find(const struct link_state *ls, const char *url, size_t len)
{
	for (size_t i = 0; i < ls->n_cached; i++)
		if (strlen(ls->cache[i].url) == len && memcmp(ls->cache[i].url, url, len) == 0)
			return ls->cache[i].link;
	return NULL;
}

static void cache_add(struct link_state *ls, const char *url, const char *link)
{
	if (ls->n_cached == LINK_CACHE)
		return;
	ls->cache[ls->n_cached].url = strdup(url);
	ls->cache[ls->n_cached].link = strdup(link);
	if (ls->cache[ls->n_cached].url == NULL || ls->cache[ls->n_cached].link == NULL) {
		free(ls->cache[ls->n_cached].url);
		free(ls->cache[ls->n_cached].link);
		return;
	}
	ls->n_cached++;
}

static void cache_free(struct link_state *ls)
{
	for (size_t i = 0; i < ls->n_cached; i++) {
		free(ls->cache[i].url);
		free(ls->cache[i].link);
	}
	ls->n_cached = 0;
}

/* make_link - rewrite_link_fn: the accept link for one resource URL */
static bool make_link(void *ctx, const struct resource *r, const char *url, size_t len, struct buf *out)
{
	struct link_state *ls = ctx;
	const char *cached;
	size_t start = out->len;
	struct token *t;
	bool ok;

	(void)r;
	if (len > CAP_URL_BYTES || memchr(url, '\0', len) != NULL)
		return false;
	cached = cache_find(ls, url, len);
	if (cached != NULL)
		return buf_puts(out, cached);
	t = malloc(sizeof(*t));
	if (t == NULL)
		return false;
	memcpy(t, &ls->base, sizeof(*t));
	memcpy(t->resource, url, len);
	t->resource[len] = '\0';
	ok = note_resource(ls->res, t->resource) && buf_puts(out, ls->req->cfg->public_url) &&
	     buf_puts(out, "/accept/") && token_encode(t, ls->req->key, out);
	if (ok)
		cache_add(ls, t->resource, out->data + start);
	free(t);
	return ok;
}

/* begin_token - the fields all links of this mail share */
static bool begin_token(const struct invite_request *req, struct link_state *ls)
{
	const char *inviter = req->sender[0] ? req->sender : "unknown";

	if (!token_init(&ls->base, &req->key->guest, inviter, "", req->now, (uint64_t)req->cfg->link_ttl))
		return false;
	for (size_t i = 0; i < req->n_guests && i < CAP_GUESTS; i++)
		token_add_guest(&ls->base, req->guests[i]);	/* duplicates are skipped */
	return ls->base.n_guests > 0;
}

static enum verdict rewrite(const struct invite_request *req, struct invite_result *res, struct link_state *ls)
{
	struct buf ftext, fhtml;
	struct rewrite_input in;
	enum verdict v = VERDICT_TEMPFAIL;

	buf_init(&ftext, 4096);
	buf_init(&fhtml, 8192);
	if (!footer_render(req->cfg->org_name, ls->base.expires_at, &ftext, &fhtml))
		goto out;
	memset(&in, 0, sizeof(in));
	in.headers = req->headers;
	in.headers_len = req->headers_len;
	in.body = req->body;
	in.body_len = req->body_len;
	in.resources = &req->cfg->resources;
	in.link_fn = make_link;
	in.link_ctx = ls;
	in.footer_text = ftext.data;
	in.footer_html = fhtml.data;
	in.scratch = req->scratch;
	res->rewrite = rewrite_body(&in, &res->body, &res->stats);
	v = VERDICT_REWRITE;
out:
	buf_release(&ftext);
	buf_release(&fhtml);
	return v;
}

enum verdict invite_process(const struct invite_request *req, struct invite_result *res)
{
	struct policy_msg m = { .staff = req->staff, .n_guests = req->n_guests, .too_big = req->too_big,
				.n_bad = req->n_bad };
	struct link_state *ls;
	enum subject_tag tag = SUBJECT_UNTAGGED;

	if (req->subject != NULL)
		tag = subject_strip_tag(req->subject, req->cfg->subject_tag, &res->subject);
	m.tagged = tag != SUBJECT_UNTAGGED;
	res->verdict = policy_before_rewrite(req->cfg, &m);
	if (res->verdict != VERDICT_REWRITE)
		return res->verdict;
	if (tag == SUBJECT_ERROR)
		return res->verdict = VERDICT_TEMPFAIL;
	res->subject_changed = tag == SUBJECT_TAGGED;
	/* The token is large (all guest hashes); keep it off the milter thread's stack. */
	ls = calloc(1, sizeof(*ls));
	if (ls == NULL)
		return res->verdict = VERDICT_TEMPFAIL;
	ls->req = req;
	ls->res = res;
	if (!begin_token(req, ls) || rewrite(req, res, ls) != VERDICT_REWRITE) {
		cache_free(ls);
		free(ls);
		return res->verdict = VERDICT_TEMPFAIL;
	}
	token_id_hex(&ls->base, res->id_hex);
	res->issued_at = ls->base.issued_at;
	res->expires_at = ls->base.expires_at;
	cache_free(ls);
	free(ls);
	res->verdict = policy_after_rewrite(req->cfg, &m, res->rewrite);
	if (res->verdict != VERDICT_REWRITE)
		res->subject_changed = false;
	return res->verdict;
}
