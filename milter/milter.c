/*
 * milter.c - libmilter callbacks (see milter.h). Each is a few lines: collect
 * what the SMTP session says, and at end of message hand it all to
 * invite_process() and apply its verdict.
 *
 * Failure: any callback that cannot keep what it needs for an invitation
 * (memory) answers a temporary failure for that message - at the end of the
 * headers when it is a step the MTA expects no reply to (SMFIP_NR_*): never
 * an unrewritten invitation, never a lost mail. Ordinary mail is accepted as
 * early as it is known to be ordinary, so it costs almost nothing.
 */
#include "milter.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "caps.h"
#include "invite.h"
#include "log.h"
#include "policy.h"
#include "report.h"

static const struct milter_config *g_cfg;
static const struct signing_key *g_key;

struct msg {
	char queue_id[CAP_QUEUE_ID_BYTES];
	char sender[ADDR_BUF];		/* the inviter (policy_staff): the SASL login, else the envelope sender */
	char *auth;			/* {auth_authen} at MAIL FROM */
	enum staff_reason staff;
	char **guests;			/* normalized, distinct, outside internal_domains */
	size_t n_guests;
	size_t n_bad;			/* outside recipients whose address we refuse */
	size_t n_rcpts;
	char *subject;			/* the first Subject value */
	size_t header_count;
	struct buf headers;		/* MIME-relevant top-level headers, "Name: value\r\n" */
	struct buf message;		/* from the end of the headers: headers, CRLF, body (one block the
					 * rewriter parses where it lies) */
	size_t body_off;		/* where the body starts in message; 0 before on_eoh */
	struct buf out;			/* the rewritten body */
	struct rewrite_scratch *scratch;
	bool too_big;
	bool oom;			/* a header could not be kept (no reply was possible there) */
	bool has_cte;			/* a top-level Content-Transfer-Encoding header */
	bool has_mime_version;
};

struct conn {
	bool trusted;			/* client address in trusted_networks */
	bool local;			/* non-SMTP submission (sendmail) */
	bool nr_conn, nr_rcpt;		/* the MTA expects no reply to connect / RCPT ... */
	bool nr_hdr, nr_body;		/* ... to headers / body chunks */
	struct msg *msg;
};

/*
 * The message slots: a msg with its buffers is kept for the next message
 * instead of freed, so the body, output and rewriter buffers are allocated
 * (and their pages faulted in) once, not per message. libmilter runs the
 * callbacks of one connection on any of its worker threads, so the slots
 * are a small shared pool rather than per thread.
 * Memory: at most MSG_POOL_MAX idle slots, and a buffer that grew past
 * MSG_KEEP_BYTES (a big message) is freed, not kept: what stays idle is
 * capped (about 8 x 6 x 512 KiB) and a big message costs only while it lasts.
 */
#define MSG_POOL_MAX 8
#define MSG_KEEP_BYTES (512u * 1024)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct msg *pool[MSG_POOL_MAX];
static size_t pool_n;

static void msg_destroy(struct msg *m)
{
	buf_release(&m->headers);
	buf_release(&m->message);
	buf_release(&m->out);
	rewrite_scratch_free(m->scratch);
	free(m);
}

/* msg_get - an empty message slot, from the pool or new; NULL when out of memory */
static struct msg *msg_get(void)
{
	struct msg *m = NULL;

	pthread_mutex_lock(&pool_lock);
	if (pool_n > 0)
		m = pool[--pool_n];
	pthread_mutex_unlock(&pool_lock);
	if (m != NULL)
		return m;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	buf_init(&m->headers, CAP_HEADER_BYTES);
	buf_init(&m->message, (size_t)g_cfg->max_message_size + CAP_HEADER_BYTES + 2);
	buf_init(&m->out, CAP_MESSAGE_BYTES + CAP_MESSAGE_BYTES / 4);
	if ((m->scratch = rewrite_scratch_new()) == NULL) {
		msg_destroy(m);
		return NULL;
	}
	return m;
}

static void keep_or_release(struct buf *b)
{
	if (b->size > MSG_KEEP_BYTES)
		buf_release(b);
	else
		buf_reset(b);
}

/* msg_free - the slot back to the pool (emptied) or freed; returns NULL */
static struct msg *msg_free(struct msg *m)
{
	struct msg keep;
	bool pooled = false;

	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < m->n_guests; i++)
		free(m->guests[i]);
	free(m->guests);
	free(m->auth);
	free(m->subject);
	keep_or_release(&m->headers);
	keep_or_release(&m->message);
	keep_or_release(&m->out);
	rewrite_scratch_trim(m->scratch, MSG_KEEP_BYTES);
	memset(&keep, 0, sizeof(keep));
	keep.headers = m->headers;
	keep.message = m->message;
	keep.out = m->out;
	keep.scratch = m->scratch;
	*m = keep;
	pthread_mutex_lock(&pool_lock);
	if (pool_n < MSG_POOL_MAX) {
		pool[pool_n++] = m;
		pooled = true;
	}
	pthread_mutex_unlock(&pool_lock);
	if (!pooled)
		msg_destroy(m);
	return NULL;
}

static struct conn *conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* queue_id - the queue id for log lines ("NOQUEUE" before Postfix assigns one) */
static const char *queue_id(SMFICTX *ctx, struct msg *m)
{
	const char *id;

	if (m->queue_id[0] == '\0' && (id = smfi_getsymval(ctx, "i")) != NULL)
		snprintf(m->queue_id, sizeof(m->queue_id), "%s", id);
	return m->queue_id[0] ? m->queue_id : "NOQUEUE";
}

static sfsistat tempfail(SMFICTX *ctx, const char *why)
{
	struct conn *c = conn_get(ctx);

	log_error("event=tempfail queue_id=%s reason=%s", c && c->msg ? queue_id(ctx, c->msg) : "NOQUEUE", why);
	smfi_setreply(ctx, "451", "4.7.1", "The invitation could not be processed right now; try again later.");
	return SMFIS_TEMPFAIL;
}

/*
 * is_local_submission - mail from the sendmail command (non_smtpd_milters)?
 * Postfix's cleanup presents it as a connection from "localhost",
 * 127.0.0.1, port 0 (cleanup_milter.c); a real SMTP client never has
 * source port 0.
 */
static bool is_local_submission(const char *hostname, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

	if (hostname == NULL || strcmp(hostname, "localhost") != 0 || sa == NULL || sa->sa_family != AF_INET)
		return false;
	return sin->sin_port == 0 && sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
}

static sfsistat on_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = conn_get(ctx);	/* made at negotiation when no-reply steps were agreed */

	if (c == NULL)
		c = calloc(1, sizeof(*c));
	if (c == NULL)
		return tempfail(ctx, "out_of_memory");
	c->local = is_local_submission(hostname, hostaddr);
	c->trusted = hostaddr != NULL && cidr_list_match_sa(&g_cfg->trusted_networks, hostaddr);
	smfi_setpriv(ctx, c);
	return c->nr_conn ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct msg *m;
	const char *auth;
	char sender[ADDR_BUF], inviter[ADDR_BUF];
	enum staff_reason staff;

	if (c == NULL)
		return SMFIS_ACCEPT;
	c->msg = msg_free(c->msg);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	if (argv[0] == NULL || !addr_normalize(argv[0], strlen(argv[0]), sender))
		sender[0] = '\0';
	staff = policy_staff(g_cfg, auth, sender, c->trusted, c->local, inviter);
	if (staff == STAFF_NO)
		return SMFIS_ACCEPT;	/* not staff: never an invitation */
	m = msg_get();
	if (m == NULL)
		return tempfail(ctx, "out_of_memory");
	m->staff = staff;
	if (auth != NULL && (m->auth = strdup(auth)) == NULL) {
		msg_free(m);
		return tempfail(ctx, "out_of_memory");
	}
	memcpy(m->sender, inviter, sizeof(m->sender));
	c->msg = m;
	return SMFIS_CONTINUE;
}

/* rcpt_add - note one envelope recipient; false when out of memory */
static bool rcpt_add(struct msg *m, const char *rcpt)
{
	char addr[ADDR_BUF];
	char **guests;

	m->n_rcpts++;
	if (!addr_normalize(rcpt, strlen(rcpt), addr)) {
		/*
		 * Security: an address with quotes, spaces, brackets... never becomes a
		 * guest (it could reach a header or a code mail); an outside one makes
		 * a tagged mail refused (policy), an internal one is just a colleague.
		 */
		if (!config_is_internal(&g_cfg->common, rcpt))
			m->n_bad++;
		return true;
	}
	if (config_is_internal(&g_cfg->common, addr))
		return true;
	for (size_t i = 0; i < m->n_guests; i++)
		if (strcmp(m->guests[i], addr) == 0)
			return true;
	if (m->n_guests >= CAP_RECIPIENTS)
		return true;	/* far over max_recipients anyway; the count says so */
	guests = realloc(m->guests, (m->n_guests + 1) * sizeof(*guests));
	if (guests == NULL)
		return false;
	m->guests = guests;
	if ((m->guests[m->n_guests] = strdup(addr)) == NULL)
		return false;
	m->n_guests++;
	return true;
}

static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c ? c->msg : NULL;

	if (m != NULL && argv[0] != NULL && !rcpt_add(m, argv[0])) {
		if (!c->nr_rcpt)
			return tempfail(ctx, "out_of_memory");
		m->oom = true;	/* no reply possible here: answered at the end of the headers */
	}
	return c != NULL && c->nr_rcpt ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* mime_header - does the rewriter need this top-level header to read the structure? */
static bool mime_header(const char *name)
{
	return strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Transfer-Encoding") == 0 ||
	       strcasecmp(name, "MIME-Version") == 0 || strcasecmp(name, "Content-Disposition") == 0;
}

/* header_seen - what a header callback answers: nothing at all when the MTA expects no reply */
static sfsistat header_seen(const struct conn *c)
{
	return c != NULL && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c ? c->msg : NULL;

	if (m == NULL)
		return header_seen(c);
	if (strcasecmp(name, "Subject") == 0 && m->subject == NULL && (m->subject = strdup(value)) == NULL) {
		m->oom = true;	/* answered at the end of the headers */
		return header_seen(c);
	}
	if (++m->header_count > CAP_HEADER_COUNT) {
		/*
		 * Security: past the cap the MIME headers are no longer kept, and a
		 * rewrite without them would miss parts (and leave their links as they
		 * were): too big, so a tagged mail is refused (policy). The Subject is
		 * still looked at above, so a tag after the cap is seen.
		 */
		m->too_big = true;
		return header_seen(c);
	}
	if (strcasecmp(name, "Content-Transfer-Encoding") == 0)
		m->has_cte = true;
	if (strcasecmp(name, "MIME-Version") == 0)
		m->has_mime_version = true;
	if (mime_header(name) &&
	    !(buf_puts(&m->headers, name) && buf_puts(&m->headers, ": ") && buf_puts(&m->headers, value) &&
	      buf_puts(&m->headers, "\r\n")))
		m->too_big = true;
	return header_seen(c);
}

static struct policy_msg policy_of(const struct msg *m)
{
	struct policy_msg pm = { .staff = m->staff, .n_guests = m->n_guests, .too_big = m->too_big,
				 .n_bad = m->n_bad };

	pm.tagged = invite_tagged(g_cfg, m->subject);
	return pm;
}

/*
 * message_begin - the MIME headers and the blank line start the message
 * buffer; the body follows them there, so the rewriter parses it in place.
 */
static bool message_begin(struct msg *m)
{
	if (!buf_append(&m->message, m->headers.data ? m->headers.data : "", m->headers.len) ||
	    !buf_append(&m->message, "\r\n", 2))
		return false;
	m->body_off = m->message.len;
	return true;
}

static sfsistat on_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct policy_msg pm;

	if (c == NULL || c->msg == NULL)
		return SMFIS_ACCEPT;
	if (c->msg->oom)
		return tempfail(ctx, "out_of_memory");
	pm = policy_of(c->msg);
	if (!policy_wants_body(g_cfg, &pm)) {
		c->msg = msg_free(c->msg);
		return SMFIS_ACCEPT;
	}
	return message_begin(c->msg) ? SMFIS_CONTINUE : tempfail(ctx, "out_of_memory");
}

/* body_seen - what a body callback answers: nothing at all when the MTA expects no reply */
static sfsistat body_seen(const struct conn *c)
{
	return c != NULL && c->nr_body ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c ? c->msg : NULL;

	if (m == NULL || m->too_big)
		return body_seen(c);
	if (m->body_off == 0) {
		m->too_big = true;	/* a body without the end of headers: never rewrite half a message */
		return body_seen(c);
	}
	if (len > (size_t)g_cfg->max_message_size - (m->message.len - m->body_off) ||
	    !buf_append(&m->message, chunk, len)) {
		m->too_big = true;
		buf_release(&m->message);
		m->body_off = 0;
	}
	return body_seen(c);
}

/*
 * set_top_qp - the message itself became quoted-printable (a single-part
 * mail whose lines would pass 998 with the accept links): say so in its
 * headers, with MIME-Version when the mail had none (legacy non-MIME mail).
 */
static bool set_top_qp(SMFICTX *ctx, const struct msg *m)
{
	char qp[] = "quoted-printable", v1[] = "1.0";

	if (m->has_cte ? smfi_chgheader(ctx, "Content-Transfer-Encoding", 1, qp) != MI_SUCCESS
		       : smfi_addheader(ctx, "Content-Transfer-Encoding", qp) != MI_SUCCESS)
		return false;
	return m->has_mime_version || smfi_addheader(ctx, "MIME-Version", v1) == MI_SUCCESS;
}

/* apply_changes - hand the rewritten body, subject and header to Postfix */
static bool apply_changes(SMFICTX *ctx, const struct msg *m, const struct invite_result *res)
{
	if (res->body.len > INT_MAX ||
	    smfi_replacebody(ctx, (unsigned char *)res->body.data, (int)res->body.len) != MI_SUCCESS)
		return false;
	if (res->subject_changed && smfi_chgheader(ctx, "Subject", 1, res->subject.data) != MI_SUCCESS)
		return false;
	if (res->stats.top_qp && !set_top_qp(ctx, m))
		return false;
	char id[sizeof(res->id_hex)];

	memcpy(id, res->id_hex, sizeof(id));
	return smfi_addheader(ctx, "X-Guestlink-Invitation", id) == MI_SUCCESS;
}

/* notify_otpd - queue the invitation record for otpd; never waits */
static void notify_otpd(SMFICTX *ctx, struct msg *m, const struct invite_result *res)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	memcpy(r.invitation, res->id_hex, sizeof(r.invitation));
	snprintf(r.inviter, sizeof(r.inviter), "%s", m->sender);
	snprintf(r.queue_id, sizeof(r.queue_id), "%s", queue_id(ctx, m));
	r.resources = res->resources.data ? res->resources.data : "";
	r.guests = m->n_guests;
	r.issued_at = res->issued_at;
	r.expires_at = res->expires_at;
	report_submit(&r);
}

static sfsistat answer(SMFICTX *ctx, struct msg *m, const struct invite_result *res)
{
	struct policy_reply r;
	char text[CAP_ERRMSG], rcode[4], xcode[8];

	switch (res->verdict) {
	case VERDICT_PASS:
		return SMFIS_ACCEPT;
	case VERDICT_REWRITE:
		if (!apply_changes(ctx, m, res))
			return tempfail(ctx, "milter_change_failed");
		log_info("event=invitation queue_id=%s invitation=%s inviter=%s staff=%s guests=%zu links=%zu "
			 "resources=\"%s\"", queue_id(ctx, m), res->id_hex, m->sender[0] ? m->sender : "<>",
			 policy_staff_word(m->staff), m->n_guests, res->stats.links,
			 res->resources.data ? res->resources.data : "");
		notify_otpd(ctx, m, res);
		return SMFIS_CONTINUE;
	default:
		policy_reply_why(g_cfg, res->verdict, res->stats.why, text, sizeof(text), &r);
		log_info("event=refused queue_id=%s inviter=%s verdict=%s rewrite=%s guests=%zu why=\"%s\"",
			 queue_id(ctx, m), m->sender[0] ? m->sender : "<>", policy_verdict_word(res->verdict),
			 rewrite_result_word(res->rewrite), m->n_guests, res->stats.why ? res->stats.why : "");
		snprintf(rcode, sizeof(rcode), "%s", r.rcode);
		snprintf(xcode, sizeof(xcode), "%s", r.xcode);
		smfi_setreply(ctx, rcode, xcode, text);
		return r.rcode[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
	}
}

static sfsistat on_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msg *m = c ? c->msg : NULL;
	struct invite_request req;
	struct invite_result res;
	sfsistat rc;

	if (m == NULL)
		return SMFIS_ACCEPT;
	memset(&req, 0, sizeof(req));
	req.cfg = g_cfg;
	req.key = g_key;
	req.staff = m->staff;
	req.sender = m->sender;
	req.guests = (const char *const *)m->guests;
	req.n_guests = m->n_guests;
	req.n_bad = m->n_bad;
	req.subject = m->subject;
	if (m->body_off > 0) {
		/* headers, CRLF, body back to back: parsed where they lie */
		req.headers = m->message.data;
		req.headers_len = m->body_off - 2;
		req.body = m->message.data + m->body_off;
		req.body_len = m->message.len - m->body_off;
	} else {
		req.headers = m->headers.data ? m->headers.data : "";
		req.headers_len = m->headers.len;
		req.body = "";
	}
	req.too_big = m->too_big;
	req.now = (uint64_t)time(NULL);
	req.scratch = m->scratch;
	invite_result_init(&res);
	/* the slot's output buffer, kept for the next message */
	res.body = m->out;
	buf_init(&m->out, res.body.max);
	invite_process(&req, &res);
	rc = answer(ctx, m, &res);
	m->out = res.body;
	buf_init(&res.body, m->out.max);
	invite_result_free(&res);
	c->msg = msg_free(c->msg);
	return rc;
}

static sfsistat on_abort(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL)
		c->msg = msg_free(c->msg);
	return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	if (c != NULL) {
		msg_free(c->msg);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

#define NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY)

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
			     unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
			     unsigned long *pf3)
{
	struct conn *c;

	(void)f2;
	(void)f3;
	/* We change the body and headers; we need no HELO, DATA or unknown-command events. */
	*pf0 = f0 & (SMFIF_CHGBODY | SMFIF_CHGHDRS | SMFIF_ADDHDRS);
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN);
	/*
	 * Connect, RCPT, headers and body chunks never need an answer of their
	 * own (a failure there is answered at the end of the headers), so when
	 * the MTA offers it they get none: the MTA streams them instead of
	 * waiting for a round trip each (Postfix offers it). MAIL keeps its
	 * answer: that is where mail from non-staff is accepted at once. This
	 * needs the connection state now, to know how to answer.
	 */
	if ((f1 & NR_STEPS) != 0 && conn_get(ctx) == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
		c->nr_conn = (f1 & SMFIP_NR_CONN) != 0;
		c->nr_rcpt = (f1 & SMFIP_NR_RCPT) != 0;
		c->nr_hdr = (f1 & SMFIP_NR_HDR) != 0;
		c->nr_body = (f1 & SMFIP_NR_BODY) != 0;
		*pf1 |= f1 & NR_STEPS;
		smfi_setpriv(ctx, c);
	}
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc milter_desc = {
	.xxfi_name = "guestlink",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_CHGBODY | SMFIF_CHGHDRS | SMFIF_ADDHDRS,
	.xxfi_connect = on_connect,
	.xxfi_envfrom = on_envfrom,
	.xxfi_envrcpt = on_envrcpt,
	.xxfi_header = on_header,
	.xxfi_eoh = on_eoh,
	.xxfi_body = on_body,
	.xxfi_eom = on_eom,
	.xxfi_abort = on_abort,
	.xxfi_close = on_close,
	.xxfi_negotiate = on_negotiate,
};

int milter_setup(const struct milter_config *cfg, const struct signing_key *key)
{
	g_cfg = cfg;
	g_key = key;
	if (smfi_setconn((char *)cfg->socket) != MI_SUCCESS)
		return MI_FAILURE;
	return smfi_register(milter_desc);
}
