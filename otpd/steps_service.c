/*
 * steps_service.c - the routes that are no guest's page: GET /healthz, the
 * stylesheet, GET /auth (nginx auth_request) and POST /api/v1/invitations
 * (the milter's signed report).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "log.h"
#include "resource.h"
#include "routes.h"
#include "step.h"
#include "text.h"

static enum store_status noop_txn(struct store_txn *txn, void *arg)
{
	(void)txn;
	(void)arg;
	return STORE_OK;
}

void step_healthz(struct step_in *in, struct step_out *out)
{
	if (store_read(in->fx->st, noop_txn, NULL) != STORE_OK) {
		out->status = HTTP_SERVICE_UNAVAILABLE;
		out->text = "store unavailable\n";
	} else {
		out->text = "ok\n";
	}
}

void step_style(struct step_in *in, struct step_out *out)
{
	(void)in;
	out->text = pages_stylesheet();
	out->ctype = "text/css; charset=utf-8";
	out->cacheable = true;
}

static const char *header(const struct step_in *in, const char *name)
{
	return in->src.header != NULL ? in->src.header(in->src.conn, name) : NULL;
}

static size_t header_count(const struct step_in *in, const char *name)
{
	return in->src.header_count != NULL ? in->src.header_count(in->src.conn, name) : 0;
}

/* host_only - X-Forwarded-Host is a host and an optional port, nothing that could start a path,
 * query, fragment or userinfo (finding 08: 'teams.example.org/team/42#' swallowed the real Uri) */
static bool host_only(const char *h)
{
	if (*h == '\0')
		return false;
	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') || *h == '-' ||
		      *h == '.' || *h == ':' || *h == '[' || *h == ']'))
			return false;
	return true;
}

/*
 * auth_url - the URL nginx asks about, normalised (resource.h): X-Original-URL,
 * else X-Forwarded-Proto/Host/Uri. Security: nginx's auth_request passes the
 * client's own headers on to us, and proxy_set_header replaces only the ones
 * it names; so a request where the two ways disagree, or a header comes
 * twice, is answered no, whichever of them the client planted.
 */
static bool auth_url(const struct step_in *in, char *out, size_t outsz)
{
	const char *orig = header(in, "X-Original-URL"), *host = header(in, "X-Forwarded-Host");
	const char *uri = header(in, "X-Forwarded-Uri"), *proto = header(in, "X-Forwarded-Proto");
	char fwd[CAP_URL_BYTES + 1], fwd_norm[CAP_URL_BYTES + 1];
	struct url *u = malloc(sizeof(*u));
	bool ok = false;
	int n;

	if (u == NULL)
		return false;
	if (header_count(in, "X-Original-URL") > 1 || header_count(in, "X-Forwarded-Host") > 1 ||
	    header_count(in, "X-Forwarded-Uri") > 1 || header_count(in, "X-Forwarded-Proto") > 1)
		goto out;
	fwd_norm[0] = '\0';
	if (host != NULL && uri != NULL) {
		if (proto != NULL && strcmp(proto, "http") != 0 && strcmp(proto, "https") != 0)
			goto out;
		if (!host_only(host) || uri[0] != '/')
			goto out;
		n = snprintf(fwd, sizeof(fwd), "%s://%s%s", proto != NULL && strcmp(proto, "http") == 0 ? "http" : "https",
			     host, uri);
		if (n <= 0 || (size_t)n >= sizeof(fwd) || !url_parse(fwd, (size_t)n, u) ||
		    !url_format(u, fwd_norm, sizeof(fwd_norm)))
			goto out;
	} else if (host != NULL || uri != NULL) {
		goto out;
	}
	if (orig != NULL) {
		if (!url_parse(orig, strlen(orig), u) || !url_format(u, out, outsz))
			goto out;
		/* Both present: they must name the same URL. */
		ok = fwd_norm[0] == '\0' || strcmp(out, fwd_norm) == 0;
	} else if (fwd_norm[0] != '\0') {
		ok = (size_t)snprintf(out, outsz, "%s", fwd_norm) < outsz;
	}
out:
	free(u);
	return ok && text_safe_line(out);
}

/* step_auth - forward-auth: 200 and X-Guest-Email when the session may use the URL, else 401 (503: store) */
void step_auth(struct step_in *in, struct step_out *out)
{
	char url[CAP_URL_BYTES + 1];
	enum auth_result ar = AUTH_DENY;

	if (in->session_cookie[0] != '\0' && auth_url(in, url, sizeof(url)))
		ar = signin_auth(in->fx, in->session_cookie, url, in->now, out->addr);
	out->status = ar == AUTH_ALLOW ? HTTP_OK : ar == AUTH_DENY ? HTTP_UNAUTHORIZED : HTTP_SERVICE_UNAVAILABLE;
	if (ar == AUTH_ALLOW)
		out->guest_email = out->addr;
	out->text = "";
}

struct report_work {
	const struct invite_report *rep;
	uint64_t now;
};

static enum store_status report_txn(struct store_txn *txn, void *arg)
{
	struct report_work *w = arg;

	return invite_store(txn, w->rep, w->now);
}

/* step_invitations - the milter's report (its signature in X-Guestlink-Signature): 201 stored */
void step_invitations(struct step_in *in, struct step_out *out)
{
	struct invite_report rep;
	struct report_work w = { &rep, in->now };
	enum invite_status is;
	enum store_status ss;
	char id[2 * TOKEN_ID_LEN + 1];

	is = invite_report_check(in->body != NULL ? in->body : "", in->body_len, header(in, "X-Guestlink-Signature"),
				 in->fx->ring, in->now, &rep);
	if (is == INVITE_BAD_SIGNATURE) {
		log_warn("event=invitation_report outcome=bad_signature");
		step_answer(out, HTTP_UNAUTHORIZED, VIEW_BAD_REQUEST, "bad_signature");
		return;
	}
	if (is != INVITE_OK) {
		step_answer(out, HTTP_BAD_REQUEST, VIEW_BAD_REQUEST, "bad_request");
		return;
	}
	ss = store_write(in->fx->st, report_txn, &w);
	invite_report_clear(&rep);
	if (ss != STORE_OK) {
		step_answer(out, HTTP_SERVICE_UNAVAILABLE, VIEW_UNAVAILABLE, "unavailable");
		return;
	}
	sodium_bin2hex(id, sizeof(id), rep.id, TOKEN_ID_LEN);
	log_info("event=invitation_report invitation=%s outcome=stored", id);
	step_answer(out, HTTP_CREATED, VIEW_UNAVAILABLE, "stored");
}
