/*
 * fuzz_dispatch - otpd's request dispatch as libmicrohttpd drives it
 * (issue 10, finding 3): method, URL, headers, cookies and body come from the
 * input, sent over loopback TCP to a real otpd HTTP server (http_start, the
 * very code otpd runs, no test-only branch) with a real LMDB store, keys and
 * outbox. The input is split into pieces at each "\n~~\n" marker and written
 * one piece at a time (MHD sees the body arrive in pieces); "@TOK@" becomes a
 * valid accept-link token for guest@example.net, so the fuzzer reaches the
 * accept flow past the signature check. Set up once: a temp dir with a
 * config, keys and the database (removed at exit).
 *
 * A crash in otpd is a crash here (same process, ASan+UBSan). Each request
 * waits for otpd's answer or the close, so the dispatch is exercised one
 * request at a time.
 */
#define _GNU_SOURCE	/* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "otpd_config.h"
#include "flow.h"
#include "http.h"
#include "listen.h"
#include "keys.h"
#include "log.h"
#include "mailmsg.h"
#include "outbox.h"
#include "secrets.h"
#include "store.h"
#include "token.h"

static struct otpd_config cfg;
static struct mail_from from;
static struct keyring ring;
static struct flow_ctx fx;
static struct http_server *server;
static struct outbox_smtp smtp;
static int port;
static char dir[64] = "/tmp/fuzz-dispatch.XXXXXX";
static char token_text[CAP_TOKEN_BYTES + 1];

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_dispatch: %s: %s\n", what, err);
	abort();
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_dispatch: could not remove %s\n", dir);
}

static void mint_token(void)
{
	char path[128], err[CAP_ERRMSG], norm[ADDR_BUF];
	struct signing_key key;
	struct token *t = calloc(1, sizeof(*t));
	struct buf out;

	snprintf(path, sizeof(path), "%s/keys/link.key", dir);
	if (t == NULL || !keys_load_signing(path, &key, err, sizeof(err)))
		die("signing key", err);
	snprintf(path, sizeof(path), "%s/keys/guest.key", dir);
	if (!keys_load_guest(path, &key.guest, err, sizeof(err)))
		die("guest key", err);
	if (!token_init(t, &key.guest, "staff@example.org", "https://teams.example.org/team/42", (uint64_t)time(NULL), 86400) ||
	    !addr_normalize("guest@example.net", 17, norm) || !token_add_guest(t, norm))
		die("token", "init");
	buf_init(&out, CAP_TOKEN_BYTES);
	if (!token_encode(t, &key, &out) || out.len >= sizeof(token_text))
		die("token", "encode");
	memcpy(token_text, out.data, out.len + 1);
	buf_release(&out);
	keys_free_signing(&key);
	free(t);
}

static void setup(void)
{
	char path[128], db[128], keys[128], text[2048], err[CAP_ERRMSG];
	uint8_t *master = NULL;
	struct secrets *sk;
	struct store *st;
	struct outbox *ob;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	FILE *devnull = fopen("/dev/null", "w");
	int fd;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL || devnull == NULL)
		die("setup", strerror(errno));
	log_open("otpd", LOG_SINK_STDERR, LOG_LEVEL_ERROR);
	atexit(remove_dir);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(db, sizeof(db), "%s/db", dir);
	if (!keys_generate(keys, devnull, err, sizeof(err)))
		die("keys", err);
	fclose(devnull);
	mint_token();
	if ((fd = listen_open("127.0.0.1:0", err, sizeof(err))) < 0)
		die("listen", err);
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) != 0)
		die("getsockname", strerror(errno));
	port = ntohs(sa.sin_port);
	snprintf(text, sizeof(text),
		 "[guestlink]\npublic_url = http://127.0.0.1:%d\norg_name = Fuzz University\ninternal_domains = example.org\n"
		 "[keys]\nverify_keys = %s/\nsecret = %s/otpd.secret\nguest_key = %s/guest.key\n"
		 "[otpd]\nlisten = 127.0.0.1:%d\ndatabase = %s\nsmtp_url = smtp://127.0.0.1:1\n"
		 "mail_from = Fuzz <no-reply@example.org>\ncookie_secure = no\nconnection_timeout = 2s\n"
		 "mail_interval = 0s\nmails_per_hour = 1000\n",
		 port, keys, keys, keys, port, db);
	snprintf(path, sizeof(path), "fuzz_dispatch.conf");
	if (!otpd_config_load_string(path, text, &cfg, err, sizeof(err)) ||
	    !otpd_config_require(&cfg, CONFIG_NEED_OTPD, err, sizeof(err)))
		die("config", err);
	if (!mailmsg_parse_from(cfg.mail_from, &from))
		die("config", "mail_from");
	if ((st = store_open(cfg.database, (uint64_t)cfg.database_max_size, err, sizeof(err))) == NULL)
		die("store", err);
	if (!keys_load_verify(cfg.verify_keys, &ring, err, sizeof(err)) ||
	    !keyring_load_guests(&ring, cfg.guest_key, cfg.guest_key_previous, err, sizeof(err)) ||
	    !keys_load_secret(cfg.secret, &master, err, sizeof(err)))
		die("keys", err);
	sk = secrets_derive(master);
	master = keys_free_secret(master);
	if (sk == NULL)
		die("secrets", "out of memory");
	smtp.url = cfg.smtp_url;
	smtp.from = from.addr;
	smtp.timeout = 1;
	if ((ob = outbox_start(st, sk, &smtp)) == NULL)
		die("outbox", "start");
	fx = (struct flow_ctx){ &cfg, st, sk, &ring, &from, ob, NULL };
	if ((server = http_start(fd, &fx)) == NULL)
		die("http", "start");
}

/* expand - the input with "@TOK@" replaced by the valid token; malloc'd, length in *n */
static char *expand(const uint8_t *data, size_t size, size_t *n)
{
	size_t tl = strlen(token_text), cap = size + 1, len = 0;
	char *out;

	for (size_t i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "@TOK@", 5) == 0)
			cap += tl;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (size_t i = 0; i < size;) {
		if (i + 5 <= size && memcmp(data + i, "@TOK@", 5) == 0) {
			memcpy(out + len, token_text, tl);
			len += tl;
			i += 5;
		} else {
			out[len++] = (char)data[i++];
		}
	}
	*n = len;
	return out;
}

static bool send_all(int s, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(s, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * drain - read otpd's answers until it closes, 3 s pass before the first
 * byte, or 10 ms of quiet after one (a kept-alive connection is not closed
 * before connection_timeout; every answer is queued whole).
 */
static void drain(int s)
{
	char b[16384];
	struct pollfd pfd = { s, POLLIN, 0 };
	int wait = 3000;

	while (poll(&pfd, 1, wait) > 0) {
		if (recv(s, b, sizeof(b), 0) <= 0)
			break;
		wait = 10;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa = { 0 };
	size_t n, off = 0;
	char *req;
	int s, one = 1;

	if (server == NULL)
		setup();
	if ((req = expand(data, size, &n)) == NULL)
		return 0;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "fuzz_dispatch: connect: %s\n", strerror(errno));
		abort();
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Pieces: each "\n~~\n" marker ends a write; a short pause lets MHD read what came so far. */
	while (off < n) {
		const char *m = memmem(req + off, n - off, "\n~~\n", 4);
		size_t end = m != NULL ? (size_t)(m - req) : n;

		if (!send_all(s, req + off, end - off))
			break;
		if (m == NULL)
			break;
		usleep(1000);
		off = end + 4;
	}
	shutdown(s, SHUT_WR);
	drain(s);
	close(s);
	free(req);
	return 0;
}
