/*
 * rewrite_bench - CPU cost of rewriting one invitation, against a baseline
 * measured in the same run: GMime parsing and writing the same message
 * unchanged (the least any MIME-faithful milter must do).
 *
 *   rewrite_bench [SIZE_KB] [ROUNDS] [PER_ROUND]
 *
 * Builds a SIZE_KB multipart/alternative invitation (text + HTML, a resource link every 50
 * lines, other links in between), then runs baseline and rewrite interleaved (A B A B ...) and
 * prints CPU microseconds per message (CLOCK_PROCESS_CPUTIME_ID) as min /
 * median / max over the rounds, and the median ratio. The rewrite runs as
 * the milter runs it: headers, CRLF and body in one block, one rewrite
 * scratch and one output buffer kept from message to message; minor page
 * faults per message (getrusage) are printed for both.
 */
#include <gmime/gmime.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "invite.h"
#include "keys.h"

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void make_body(struct buf *body, size_t kb)
{
	size_t half = kb * 1024 / 2;
	int n = 0;

	if (!buf_puts(body, "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"))
		exit(1);
	while (body->len < half / 2)
		if (!buf_printf(body, "Line %d of the invitation text, see %s%d =\r\nsoon.\r\n", n,
				n % 50 == 0 ? "https://teams.example.org/t/lab-" : "the usual place, room ", n % 10) ||
		    (n++, false))
			exit(1);
	if (!buf_puts(body, "\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: quoted-printable\r\n\r\n<html><body>\r\n"))
		exit(1);
	n = 0;
	while (body->len < kb * 1024 - 64)
		if (!buf_printf(body, "<p style=3D\"margin:0\">Paragraph %d, <a href=3D\"%s%d\">"
				      "the lab</a> and more words.</p>\r\n", n,
				n % 50 == 0 ? "https://teams.example.org/t/lab-" : "https://www.example.com/news/", n % 10) ||
		    (n++, false))
			exit(1);
	if (!buf_puts(body, "</body></html>\r\n--b1--\r\n"))
		exit(1);
}

static const char headers[] = "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n";

static void baseline(const struct buf *body)
{
	GByteArray *all = g_byte_array_new();
	GMimeStream *in, *out;
	GMimeParser *p;
	GMimeMessage *msg;

	g_byte_array_append(all, (const guint8 *)headers, sizeof(headers) - 1);
	g_byte_array_append(all, (const guint8 *)"\r\n", 2);
	g_byte_array_append(all, (const guint8 *)body->data, (guint)body->len);
	in = g_mime_stream_mem_new_with_byte_array(all);
	p = g_mime_parser_new_with_stream(in);
	msg = g_mime_parser_construct_message(p, NULL);
	out = g_mime_stream_mem_new();
	if (msg == NULL || g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, out) < 0)
		exit(1);
	g_object_unref(out);
	g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(in);
}

static long minflt_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t kb = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	int per = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 300;
	static const char *const guests[] = { "guest@gmail.com" };
	char dir[] = "/tmp/rewrite-bench-XXXXXX", err[256], path[128];
	double a[64], b[64], r[64];
	struct signing_key key;
	struct invite_request req;
	struct milter_config cfg;
	struct buf body, whole, out;
	struct rewrite_scratch *scratch;
	long fa = 0, fb = 0;
	FILE *devnull = fopen("/dev/null", "w");

	if (sodium_init() < 0 || rounds < 1 || rounds > 64 || per < 1 || mkdtemp(dir) == NULL ||
	    !keys_generate(dir, devnull, err, sizeof(err)))
		return 1;
	snprintf(path, sizeof(path), "%s/link.key", dir);
	if (!keys_load_signing(path, &key, err, sizeof(err)))
		return 1;
	snprintf(path, sizeof(path), "%s/guest.key", dir);
	if (!keys_load_guest(path, &key.guest, err, sizeof(err)) ||
	    !milter_config_load_string("bench.conf", "[guestlink]\npublic_url = https://guest.example.org\n"
			        "internal_domains = example.org\n[milter]\nresources = https://teams.example.org/\n",
			        &cfg, err, sizeof(err)))
		return 1;
	rewrite_init();
	buf_init(&body, 64u << 20);
	make_body(&body, kb);
	/* As the milter keeps it: headers, CRLF, body in one block. */
	buf_init(&whole, 64u << 20);
	buf_init(&out, 80u << 20);
	scratch = rewrite_scratch_new();
	if (scratch == NULL || !buf_puts(&whole, headers) || !buf_puts(&whole, "\r\n") ||
	    !buf_append(&whole, body.data, body.len))
		return 1;
	memset(&req, 0, sizeof(req));
	req.cfg = &cfg;
	req.key = &key;
	req.staff = STAFF_AUTH;
	req.sender = "staff@example.org";
	req.guests = guests;
	req.n_guests = 1;
	req.subject = "[invite] Join our research lab";
	req.headers = whole.data;
	req.headers_len = sizeof(headers) - 1;
	req.body = whole.data + req.headers_len + 2;
	req.body_len = body.len;
	req.scratch = scratch;
	req.now = (uint64_t)time(NULL);
	for (int i = 0; i < rounds; i++) {
		double t0 = cpu_now();
		long f0 = minflt_now();

		for (int j = 0; j < per; j++)
			baseline(&body);
		a[i] = (cpu_now() - t0) / per;
		fa += minflt_now() - f0;
		t0 = cpu_now();
		f0 = minflt_now();
		for (int j = 0; j < per; j++) {
			struct invite_result res;

			invite_result_init(&res);
			res.body = out;	/* the output buffer kept between messages, as the milter's */
			if (invite_process(&req, &res) != VERDICT_REWRITE) {
				fprintf(stderr, "rewrite_bench: verdict %s, rewrite %s\n", policy_verdict_word(res.verdict),
					rewrite_result_word(res.rewrite));
				return 1;
			}
			out = res.body;
			buf_init(&res.body, out.max);
			invite_result_free(&res);
		}
		b[i] = (cpu_now() - t0) / per;
		fb += minflt_now() - f0;
		r[i] = b[i] / a[i];
	}
	qsort(a, (size_t)rounds, sizeof(double), cmp);
	qsort(b, (size_t)rounds, sizeof(double), cmp);
	qsort(r, (size_t)rounds, sizeof(double), cmp);
	printf("message: %zu bytes multipart/alternative, 2 x QP, %d rounds x %d messages\n", body.len, rounds, per);
	printf("| what | min µs | median µs | max µs |\n|---|---|---|---|\n");
	printf("| GMime parse + write unchanged (baseline) | %.0f | %.0f | %.0f |\n", a[0], a[rounds / 2], a[rounds - 1]);
	printf("| guestlink invite_process (decide, rewrite, sign, footer) | %.0f | %.0f | %.0f |\n", b[0], b[rounds / 2],
	       b[rounds - 1]);
	printf("| ratio rewrite / baseline | %.2f | %.2f | %.2f |\n", r[0], r[rounds / 2], r[rounds - 1]);
	printf("\nMinor page faults per message: baseline %.1f, rewrite %.1f.\n", (double)fa / (rounds * per),
	       (double)fb / (rounds * per));
	buf_release(&body);
	buf_release(&whole);
	buf_release(&out);
	rewrite_scratch_free(scratch);
	keys_free_signing(&key);
	milter_config_free(&cfg);
	fclose(devnull);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return system(path) == 0 ? 0 : 1;
}
