/*
 * milterload - drive a milter over its socket without Postfix, speaking the
 * milter protocol (v6) as an MTA does, and measure it.
 *
 *   milterload -s unix:/path -p MILTER_PID -f MESSAGE.eml [-m COUNT] [-c CONCURRENCY]
 *              [-r RECIPIENTS] [-a]
 *
 * Each message is one milter connection (as one SMTP session with one mail):
 * option negotiation, connect from 127.0.0.1, MAIL (with {auth_authen} when
 * -a), RCPT guest1..N@gmail.com, the headers, EOH, the body in 64 KiB
 * chunks, end of body, QUIT. Replies are read after each step the milter
 * answers (it may negotiate no replies to headers and body chunks, as with
 * Postfix); an accept or a refusal ends the message early, as Postfix does.
 *
 * Prints key=value: messages, rewritten (a body replacement came back),
 * passed, refused, wall seconds, messages per second, the milter's CPU
 * seconds (utime+stime from /proc/PID/stat), messages per milter CPU
 * second (= per core) and CPU microseconds per message, the milter's minor
 * page faults per message (minflt, same file: the cost of fresh memory), and
 * its peak RSS (VmHWM) at the end.
 * Why hand-written: miltertest (the only packaged driver) reads replies into a
 * 1 KiB buffer, so it cannot take back a rewritten body of any real size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmilter/mfdef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65535

struct header {
	char *name, *value;
};

static const char *sock_path;
static char *body;
static size_t body_len;
static struct header headers[2000];
static size_t n_headers;
static int n_messages = 100, concurrency = 1, n_rcpts = 1;
static int use_auth;
static atomic_int next_msg, n_rewritten, n_passed, n_refused, n_failed;

static void die(const char *what)
{
	fprintf(stderr, "milterload: %s: %s\n", what, strerror(errno));
	exit(2);
}

static bool write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

static bool read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		c += r;
		n -= (size_t)r;
	}
	return true;
}

static bool send_cmd(int fd, char cmd, const void *data, size_t len)
{
	uint32_t n = htonl((uint32_t)(len + 1));

	return write_all(fd, &n, 4) && write_all(fd, &cmd, 1) && (len == 0 || write_all(fd, data, len));
}

/* read_reply - one packet; its command in *cmd, data discarded (kept in buf up to size) */
static bool read_reply(int fd, char *cmd, char *buf, size_t size, size_t *len)
{
	uint32_t n;
	size_t left;

	if (!read_all(fd, &n, 4))
		return false;
	n = ntohl(n);
	if (n == 0 || !read_all(fd, cmd, 1))
		return false;
	left = n - 1;
	*len = left;
	while (left > 0) {
		char tmp[65536];
		size_t take = left < sizeof(tmp) ? left : sizeof(tmp);

		if (!read_all(fd, tmp, take))
			return false;
		if (buf != NULL && size > 0) {
			size_t off = (n - 1) - left;

			if (off < size)
				memcpy(buf + off, tmp, take < size - off ? take : size - off);
		}
		left -= take;
	}
	return true;
}

/* put - append bytes to a packet under construction */
static size_t put(char *pkt, size_t at, const void *p, size_t n)
{
	memcpy(pkt + at, p, n);
	return at + n;
}

enum outcome { OUT_CONTINUE, OUT_PASSED, OUT_REFUSED, OUT_FAILED, OUT_SKIP };

/* step - send one command and read its reply (a step the milter answers) */
static enum outcome step(int fd, char cmd, const char *data, size_t len)
{
	char r;
	size_t rl;

	if (!send_cmd(fd, cmd, data, len) || !read_reply(fd, &r, NULL, 0, &rl))
		return OUT_FAILED;
	if (r == SMFIR_CONTINUE)
		return OUT_CONTINUE;
	if (r == SMFIR_ACCEPT)
		return OUT_PASSED;
	if (r == SMFIR_SKIP)
		return OUT_SKIP;
	return OUT_REFUSED;
}

/* step_nr - the same, for a step the milter may have chosen not to answer (SMFIP_NR_*) */
static enum outcome step_nr(int fd, char cmd, const char *data, size_t len, uint32_t proto, uint32_t nr_flag)
{
	if (proto & nr_flag)
		return send_cmd(fd, cmd, data, len) ? OUT_CONTINUE : OUT_FAILED;
	return step(fd, cmd, data, len);
}

static int connect_milter(void)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool negotiate(int fd, uint32_t *proto)
{
	/* What Postfix offers that matters here: skipping steps, and no replies to headers and body chunks. */
	uint32_t v[3] = { htonl(6), htonl(0x1ff),
			  htonl(SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_SKIP | SMFIP_NR_CONN | SMFIP_NR_RCPT |
				SMFIP_NR_HDR | SMFIP_NR_BODY) };
	char r, buf[12];
	size_t rl;

	if (!send_cmd(fd, SMFIC_OPTNEG, v, sizeof(v)) || !read_reply(fd, &r, buf, sizeof(buf), &rl) ||
	    r != SMFIC_OPTNEG || rl < 12)
		return false;
	memcpy(proto, buf + 8, 4);
	*proto = ntohl(*proto);
	return true;
}

/* one_message - a whole connection with one mail; the outcome */
static enum outcome one_message(int n)
{
	char pkt[4096], r;
	size_t at, rl;
	uint32_t proto;
	uint16_t port = htons(40000);
	enum outcome o;
	bool replaced = false;
	int fd = connect_milter();

	if (fd < 0)
		return OUT_FAILED;
	if (!negotiate(fd, &proto))
		goto failed;
	at = put(pkt, 0, "localhost", 10);
	at = put(pkt, at, "4", 1);
	at = put(pkt, at, &port, 2);
	at = put(pkt, at, "127.0.0.2", 10);
	if ((o = step_nr(fd, SMFIC_CONNECT, pkt, at, proto, SMFIP_NR_CONN)) != OUT_CONTINUE)
		goto done;
	at = put(pkt, 0, "M", 1);
	at += (size_t)snprintf(pkt + at, sizeof(pkt) - at, "i%c%08X", 0, (unsigned)n) + 1;
	if (use_auth)
		at = put(pkt, at, "{auth_authen}\0staff\0", 20);
	if (!send_cmd(fd, SMFIC_MACRO, pkt, at))
		goto failed;
	if ((o = step(fd, SMFIC_MAIL, "<staff@example.org>", 20)) != OUT_CONTINUE)
		goto done;
	for (int i = 0; i < n_rcpts; i++) {
		int len = snprintf(pkt, sizeof(pkt), "<guest%d@gmail.com>", i) + 1;

		if ((o = step_nr(fd, SMFIC_RCPT, pkt, (size_t)len, proto, SMFIP_NR_RCPT)) != OUT_CONTINUE)
			goto done;
	}
	for (size_t i = 0; i < n_headers; i++) {
		size_t nl = strlen(headers[i].name) + 1, vl = strlen(headers[i].value) + 1;
		char *h = malloc(nl + vl);

		memcpy(h, headers[i].name, nl);
		memcpy(h + nl, headers[i].value, vl);
		o = step_nr(fd, SMFIC_HEADER, h, nl + vl, proto, SMFIP_NR_HDR);
		free(h);
		if (o != OUT_CONTINUE)
			goto done;
	}
	if ((o = step(fd, SMFIC_EOH, NULL, 0)) != OUT_CONTINUE)
		goto done;
	for (size_t off = 0; off < body_len; off += CHUNK) {
		size_t len = body_len - off < CHUNK ? body_len - off : CHUNK;

		o = step_nr(fd, SMFIC_BODY, body + off, len, proto, SMFIP_NR_BODY);
		if (o == OUT_CONTINUE)
			continue;
		if (o == OUT_SKIP)	/* no more body wanted */
			break;
		goto done;
	}
	if (!send_cmd(fd, SMFIC_BODYEOB, NULL, 0))
		goto failed;
	for (;;) {
		if (!read_reply(fd, &r, NULL, 0, &rl))
			goto failed;
		if (r == SMFIR_REPLBODY)
			replaced = true;
		else if (r == SMFIR_CONTINUE || r == SMFIR_ACCEPT) {
			o = replaced ? OUT_CONTINUE : OUT_PASSED;
			break;
		} else if (r == SMFIR_REJECT || r == SMFIR_TEMPFAIL || r == SMFIR_REPLYCODE || r == SMFIR_DISCARD) {
			o = OUT_REFUSED;
			break;
		}
	}
done:
	send_cmd(fd, SMFIC_QUIT, NULL, 0);
	close(fd);
	return o;
failed:
	close(fd);
	return OUT_FAILED;
}

static void *worker(void *arg)
{
	int n;

	(void)arg;
	while ((n = atomic_fetch_add(&next_msg, 1)) < n_messages) {
		switch (one_message(n)) {
		case OUT_CONTINUE: atomic_fetch_add(&n_rewritten, 1); break;
		case OUT_PASSED: atomic_fetch_add(&n_passed, 1); break;
		case OUT_REFUSED: atomic_fetch_add(&n_refused, 1); break;
		case OUT_FAILED:
		case OUT_SKIP: atomic_fetch_add(&n_failed, 1); break;
		}
	}
	return NULL;
}

/* load_message - split a file into header fields (unfolded lines kept) and the CRLF body */
static void load_message(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data, *p, *end, *hdr_end;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die(path);
	data = malloc((size_t)size + 1);
	if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size)
		die(path);
	fclose(f);
	data[size] = '\0';
	hdr_end = strstr(data, "\r\n\r\n");
	if (hdr_end == NULL) {
		fprintf(stderr, "milterload: %s: no CRLF CRLF after the headers\n", path);
		exit(2);
	}
	body = hdr_end + 4;
	body_len = (size_t)(data + size - body);
	*hdr_end = '\0';
	for (p = data; p < hdr_end && n_headers < 2000; p = end + 2) {
		char *colon;

		end = strstr(p, "\r\n");
		if (end == NULL)
			end = hdr_end;
		while (end < hdr_end && (end[2] == ' ' || end[2] == '\t'))
			end = strstr(end + 2, "\r\n") ? strstr(end + 2, "\r\n") : hdr_end;
		*end = '\0';
		colon = strchr(p, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		headers[n_headers].name = p;
		headers[n_headers].value = colon + 1 + (colon[1] == ' ');
		n_headers++;
	}
}

struct proc_use {
	double cpu_s;		/* utime + stime */
	unsigned long minflt;	/* minor page faults */
};

/* proc_use - the milter's CPU time and minor page faults from /proc/PID/stat */
static struct proc_use proc_use(long pid)
{
	char path[64], buf[1024], *p;
	struct proc_use u = { 0, 0 };
	unsigned long v[13];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
		die(path);
	fclose(f);
	p = strrchr(buf, ')');
	if (p == NULL || (p = strchr(p + 1, ' ')) == NULL || (p = strchr(p + 1, ' ')) == NULL)
		return u;
	/* after the state: ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	for (int i = 0; i < 12; i++)
		v[i] = strtoul(p + 1, &p, 10);
	u.minflt = v[6];
	u.cpu_s = (double)(v[10] + v[11]) / (double)sysconf(_SC_CLK_TCK);
	return u;
}

static long proc_hwm_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	long pid = 0;
	pthread_t th[1024];
	struct timespec t0, t1;
	struct proc_use u0, u1;
	double cpu0, cpu1, wall;
	int opt;

	while ((opt = getopt(argc, argv, "s:p:f:m:c:r:a")) != -1) {
		switch (opt) {
		case 's': sock_path = strncmp(optarg, "unix:", 5) == 0 ? optarg + 5 : optarg; break;
		case 'p': pid = strtol(optarg, NULL, 10); break;
		case 'f': file = optarg; break;
		case 'm': n_messages = (int)strtol(optarg, NULL, 10); break;
		case 'c': concurrency = (int)strtol(optarg, NULL, 10); break;
		case 'r': n_rcpts = (int)strtol(optarg, NULL, 10); break;
		case 'a': use_auth = 1; break;
		default: goto usage;
		}
	}
	if (sock_path == NULL || file == NULL || pid <= 0 || concurrency < 1 || concurrency > 1024)
		goto usage;
	load_message(file);
	u0 = proc_use(pid);
	cpu0 = u0.cpu_s;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < concurrency; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			die("pthread_create");
	for (int i = 0; i < concurrency; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	u1 = proc_use(pid);
	cpu1 = u1.cpu_s;
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("messages=%d rewritten=%d passed=%d refused=%d failed=%d wall_s=%.3f msgs_per_s=%.1f "
	       "milter_cpu_s=%.2f msgs_per_cpu_s=%.1f cpu_us_per_msg=%.1f minflt_per_msg=%.1f milter_hwm_kb=%ld\n",
	       n_messages, n_rewritten, n_passed, n_refused, n_failed, wall, n_messages / wall, cpu1 - cpu0,
	       cpu1 > cpu0 ? n_messages / (cpu1 - cpu0) : 0.0, (cpu1 - cpu0) * 1e6 / n_messages,
	       (double)(u1.minflt - u0.minflt) / n_messages, proc_hwm_kb(pid));
	return n_failed ? 1 : 0;
usage:
	fputs("usage: milterload -s unix:/path -p MILTER_PID -f MESSAGE.eml [-m N] [-c N] [-r N] [-a]\n", stderr);
	return 2;
}
