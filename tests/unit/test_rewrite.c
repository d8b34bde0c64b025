/*
 * test_rewrite.c - the MIME rewriter against the .eml corpus and a few
 * properties the corpus cannot state (bytes outside changed parts, caps,
 * link_fn failure, idempotence).
 *
 * Corpus convention (tests/eml/README.md): NAME.eml is a whole message
 * (converted to CRLF here, split at the first blank line); NAME.out is the
 * exact expected new body (REWRITE_CHANGED), or NAME.result holds the word
 * of another outcome. On a mismatch the body we got is written to
 * /tmp/eml-NAME.got. EML_DIR overrides the corpus directory (default
 * tests/eml, run from the top of the tree).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "caps.h"
#include "resource.h"
#include "rewrite.h"

#define FOOTER_TEXT "-- \nGuest access footer\n"
#define FOOTER_HTML "<p>Guest access footer</p>"

/* Numbers distinct URLs in order of first appearance: stable .out files. */
struct links_seen {
	char *urls[CAP_LINKS + 8];
	size_t n;
	bool fail;
};

static bool test_link(void *ctx, const struct resource *res, const char *url, size_t len, struct buf *out)
{
	struct links_seen *s = ctx;
	size_t k;

	(void)res;
	if (s->fail)
		return false;
	for (k = 0; k < s->n; k++)
		if (strlen(s->urls[k]) == len && memcmp(s->urls[k], url, len) == 0)
			break;
	if (k == s->n) {
		if (s->n == sizeof(s->urls) / sizeof(s->urls[0]))
			return false;
		s->urls[s->n] = strndup(url, len);
		if (s->urls[s->n] == NULL)
			return false;
		s->n++;
	}
	return buf_printf(out, "https://guest.example.org/accept/T%zu", k + 1);
}

static void seen_free(struct links_seen *s)
{
	for (size_t k = 0; k < s->n; k++)
		free(s->urls[k]);
	s->n = 0;
}

static struct resource_list resources;

static int setup(void **state)
{
	const char *why;

	(void)state;
	rewrite_init();
	if (!resource_list_add(&resources, "https://teams.example.org/", &why) ||
	    !resource_list_add(&resources, "https://wiki.example.org/space", &why))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	resource_list_free(&resources);
	return 0;
}

/* read_file - whole file, NUL-terminated; NULL if missing */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, CAP_MESSAGE_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_true(buf_append(&b, chunk, n));
	fclose(f);
	return buf_steal(&b, len);
}

/* to_crlf - bare LF to CRLF (the form Postfix hands the milter) */
static char *to_crlf(const char *p, size_t n, size_t *len)
{
	struct buf b;

	buf_init(&b, CAP_MESSAGE_BYTES);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			assert_true(buf_putc(&b, '\r'));
		assert_true(buf_putc(&b, p[i]));
	}
	return buf_steal(&b, len);
}

struct msg {
	char *data;
	size_t len;
	size_t hlen;	/* headers, including the last header's CRLF */
	size_t body;	/* offset of the body */
};

static void msg_split(struct msg *m)
{
	const char *sep;

	if (m->len >= 2 && m->data[0] == '\r' && m->data[1] == '\n') {
		m->hlen = 0;
		m->body = 2;
		return;
	}
	sep = strstr(m->data, "\r\n\r\n");
	m->hlen = sep ? (size_t)(sep - m->data) + 2 : m->len;
	m->body = sep ? m->hlen + 2 : m->len;
}

static enum rewrite_result run(const struct msg *m, struct buf *out, struct rewrite_stats *st, struct links_seen *seen)
{
	struct rewrite_input in = {
		.headers = m->data, .headers_len = m->hlen,
		.body = m->data + m->body, .body_len = m->len - m->body,
		.resources = &resources, .link_fn = test_link, .link_ctx = seen,
		.footer_text = FOOTER_TEXT, .footer_html = FOOTER_HTML,
	};

	return rewrite_body(&in, out, st);
}

static bool load_msg(const char *path, struct msg *m)
{
	size_t n;
	char *raw = read_file(path, &n);

	if (raw == NULL)
		return false;
	m->data = to_crlf(raw, n, &m->len);
	free(raw);
	msg_split(m);
	return true;
}

static void dump_got(const char *name, const struct buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/eml-%s.got", name);
	f = fopen(path, "wb");
	if (f == NULL)
		return;
	fwrite(b->data ? b->data : "", 1, b->len, f);
	fclose(f);
	fprintf(stderr, "  body written to %s\n", path);
}

static const char *eml_dir(void)
{
	const char *d = getenv("EML_DIR");

	return d ? d : "tests/eml";
}

/* no_bare_lf - the milter must hand Postfix CRLF only */
static bool no_bare_lf(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r'))
			return false;
	return true;
}

static bool lines_fit(const struct buf *b)
{
	size_t cur = 0;

	for (size_t i = 0; i < b->len; i++) {
		cur = b->data[i] == '\n' ? 0 : cur + 1;
		if (cur > 999)	/* 998 + the CR */
			return false;
	}
	return true;
}

/* check_case - one corpus case; returns false (after printing why) on a mismatch */
static bool check_case(const char *name)
{
	char path[512], *want, *word;
	size_t want_len, word_len;
	struct msg m;
	struct buf out;
	struct links_seen seen = { .n = 0 };
	struct rewrite_stats st;
	enum rewrite_result r;
	bool ok = true;

	snprintf(path, sizeof(path), "%s/%s.eml", eml_dir(), name);
	assert_true(load_msg(path, &m));
	buf_init(&out, CAP_MESSAGE_BYTES);
	assert_true(buf_puts(&out, "SENTINEL"));
	r = run(&m, &out, &st, &seen);
	snprintf(path, sizeof(path), "%s/%s.out", eml_dir(), name);
	want = read_file(path, &want_len);
	snprintf(path, sizeof(path), "%s/%s.result", eml_dir(), name);
	word = read_file(path, &word_len);
	if (want != NULL) {
		if (r != REWRITE_CHANGED || out.len != want_len || memcmp(out.data, want, want_len) != 0) {
			fprintf(stderr, "%s: got %s (%zu bytes), want changed (%zu bytes)\n", name,
				rewrite_result_word(r), out.len, want_len);
			ok = false;
		} else if (!no_bare_lf(&out) || !lines_fit(&out) || st.links == 0 || st.parts == 0) {
			fprintf(stderr, "%s: bare LF, line over 998, or empty stats\n", name);
			ok = false;
		} else if (st.top_qp != (strncmp(name, "top_qp_", 7) == 0)) {
			/* cases named top_qp_* are the ones whose message itself must become QP */
			fprintf(stderr, "%s: got top_qp %d, want %d\n", name, st.top_qp, !st.top_qp);
			ok = false;
		}
	} else if (word != NULL) {
		while (word_len > 0 && (word[word_len - 1] == '\n' || word[word_len - 1] == '\r'))
			word[--word_len] = '\0';
		/* "malformed: WHY" also states the reason the staff member is given */
		char *why = strstr(word, ": ");

		if (why != NULL)
			*why = '\0', why += 2;
		if (strcmp(rewrite_result_word(r), word) != 0 || strcmp(out.data, "SENTINEL") != 0) {
			fprintf(stderr, "%s: got %s, want %s (out untouched)\n", name, rewrite_result_word(r), word);
			ok = false;
		} else if (why != NULL && (st.why == NULL || strcmp(st.why, why) != 0)) {
			fprintf(stderr, "%s: got why \"%s\", want \"%s\"\n", name, st.why ? st.why : "(none)", why);
			ok = false;
		} else if ((r == REWRITE_MALFORMED) != (st.why != NULL)) {
			fprintf(stderr, "%s: a reason must come with malformed, and only with it\n", name);
			ok = false;
		}
	} else {
		fprintf(stderr, "%s: no .out or .result (got %s)\n", name, rewrite_result_word(r));
		ok = false;
	}
	if (!ok)
		dump_got(name, &out);
	free(want);
	free(word);
	free(m.data);
	buf_release(&out);
	seen_free(&seen);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_corpus(void **state)
{
	DIR *d = opendir(eml_dir());
	struct dirent *e;
	char *names[512];
	size_t n = 0, failed = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 4 && strcmp(e->d_name + l - 4, ".eml") == 0 && n < 512)
			names[n++] = strndup(e->d_name, l - 4);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t k = 0; k < n; k++) {
		if (!check_case(names[k]))
			failed++;
		free(names[k]);
	}
	fprintf(stderr, "corpus: %zu cases, %zu failed\n", n, failed);
	assert_true(n >= 30);
	assert_int_equal(failed, 0);
}

/* find_after - offset of needle in hay from `from`, asserting it is there */
static size_t find_in(const char *hay, size_t len, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			return i;
	fail_msg("'%s' not found", needle);
	return 0;
}

/* Everything outside the changed text parts is byte-identical: the image, the PDF, boundaries. */
static void test_untouched_bytes(void **state)
{
	char path[512];
	struct msg m;
	struct buf out;
	struct links_seen seen = { .n = 0 };
	struct rewrite_stats st;
	const char *body;
	size_t blen, a_in, a_out, p_in, p_out;

	(void)state;
	snprintf(path, sizeof(path), "%s/nested_mixed_alt_related.eml", eml_dir());
	assert_true(load_msg(path, &m));
	buf_init(&out, CAP_MESSAGE_BYTES);
	assert_int_equal(run(&m, &out, &st, &seen), REWRITE_CHANGED);
	assert_int_equal(st.parts, 2);
	body = m.data + m.body;
	blen = m.len - m.body;
	/* From the image part's boundary to the end: image, attachment, epilogue. */
	a_in = find_in(body, blen, "--rel\r\nContent-Type: image/png");
	a_out = find_in(out.data, out.len, "--rel\r\nContent-Type: image/png");
	assert_int_equal(blen - a_in, out.len - a_out);
	assert_memory_equal(body + a_in, out.data + a_out, blen - a_in);
	/* Up to the first changed part's content: preamble, boundaries, part headers. */
	p_in = find_in(body, blen, "Dear guest");
	p_out = find_in(out.data, out.len, "Dear guest");
	assert_int_equal(p_in, p_out);
	assert_memory_equal(body, out.data, p_in);
	free(m.data);
	buf_release(&out);
	seen_free(&seen);
}

static void run_text(const char *message, struct buf *out, struct rewrite_stats *st, struct links_seen *seen,
		     enum rewrite_result want)
{
	struct msg m;

	m.data = to_crlf(message, strlen(message), &m.len);
	msg_split(&m);
	assert_int_equal(run(&m, out, st, seen), want);
	free(m.data);
}

/* Rewriting our own output again finds nothing: accept links are not resources. */
static void test_idempotent(void **state)
{
	struct buf out, again;
	struct links_seen seen = { .n = 0 };
	struct rewrite_stats st;
	struct msg m;
	const char *hdr = "From: a@example.org\r\nSubject: x\r\n";

	(void)state;
	buf_init(&out, CAP_MESSAGE_BYTES);
	buf_init(&again, CAP_MESSAGE_BYTES);
	run_text("From: a@example.org\nSubject: x\n\nSee https://teams.example.org/t/1 now.\n", &out, &st, &seen,
		 REWRITE_CHANGED);
	assert_string_equal(out.data, "See https://guest.example.org/accept/T1 now.\r\n\r\n-- \r\nGuest access footer\r\n");
	assert_int_equal(st.links, 1);
	assert_int_equal(st.parts, 1);
	m.len = strlen(hdr) + 2 + out.len;
	m.data = malloc(m.len + 1);
	assert_non_null(m.data);
	memcpy(m.data, hdr, strlen(hdr));
	memcpy(m.data + strlen(hdr), "\r\n", 2);
	memcpy(m.data + strlen(hdr) + 2, out.data, out.len + 1);
	msg_split(&m);
	assert_int_equal(run(&m, &again, &st, &seen), REWRITE_UNCHANGED);
	assert_int_equal(again.len, 0);
	free(m.data);
	buf_release(&out);
	buf_release(&again);
	seen_free(&seen);
}

static void test_link_fn_failure(void **state)
{
	struct buf out;
	struct links_seen seen = { .n = 0, .fail = true };

	(void)state;
	buf_init(&out, CAP_MESSAGE_BYTES);
	run_text("Subject: x\n\nhttps://teams.example.org/t/1\n", &out, NULL, &seen, REWRITE_ERROR);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

/* A full output buffer is a temporary failure, never a half body. */
static void test_out_cap(void **state)
{
	struct buf out;
	struct links_seen seen = { .n = 0 };

	(void)state;
	buf_init(&out, 20);
	run_text("Subject: x\n\nhttps://teams.example.org/t/1 and more text here\n", &out, NULL, &seen,
		 REWRITE_ERROR);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	seen_free(&seen);
}

static void test_too_many_links(void **state)
{
	struct buf msg, out;
	struct links_seen seen = { .n = 0 };

	(void)state;
	buf_init(&msg, CAP_MESSAGE_BYTES);
	buf_init(&out, CAP_MESSAGE_BYTES);
	assert_true(buf_puts(&msg, "Subject: x\n\n"));
	for (unsigned k = 0; k < CAP_LINKS; k++)
		assert_true(buf_puts(&msg, "https://teams.example.org/t/same\n"));
	run_text(msg.data, &out, NULL, &seen, REWRITE_CHANGED);
	assert_true(buf_puts(&msg, "https://teams.example.org/t/one-too-many\n"));
	buf_reset(&out);
	run_text(msg.data, &out, NULL, &seen, REWRITE_MALFORMED);
	buf_release(&msg);
	buf_release(&out);
	seen_free(&seen);
}

/* No footers at all, and LF-only header blocks. */
static void test_no_footer_lf_headers(void **state)
{
	const char *h = "From: a@example.org\nSubject: x\n", *b = "go https://wiki.example.org/space/x\r\n";
	struct links_seen seen = { .n = 0 };
	struct rewrite_input in = {
		.headers = h, .headers_len = strlen(h), .body = b, .body_len = strlen(b),
		.resources = &resources, .link_fn = test_link, .link_ctx = &seen,
	};
	struct buf out;

	(void)state;
	buf_init(&out, CAP_MESSAGE_BYTES);
	assert_int_equal(rewrite_body(&in, &out, NULL), REWRITE_CHANGED);
	assert_string_equal(out.data, "go https://guest.example.org/accept/T1\r\n");
	buf_release(&out);
	seen_free(&seen);
}

static void test_result_words(void **state)
{
	(void)state;
	assert_string_equal(rewrite_result_word(REWRITE_UNCHANGED), "unchanged");
	assert_string_equal(rewrite_result_word(REWRITE_CHANGED), "changed");
	assert_string_equal(rewrite_result_word(REWRITE_SIGNED), "signed");
	assert_string_equal(rewrite_result_word(REWRITE_MALFORMED), "malformed");
	assert_string_equal(rewrite_result_word(REWRITE_ERROR), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_untouched_bytes),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_link_fn_failure),
		cmocka_unit_test(test_out_cap),
		cmocka_unit_test(test_too_many_links),
		cmocka_unit_test(test_no_footer_lf_headers),
		cmocka_unit_test(test_result_words),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
