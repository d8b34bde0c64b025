/*
 * hello_mhd - the baseline for otpd's /auth: a hello-world server on the
 * same HTTP library with otpd's thread model and options (http.c:
 * MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, a pool of
 * THREADS, the same connection timeout, limits and memory (connection_memory's default), a completion callback, and
 * the answer queued on the second handler call as otpd does).
 *
 *   hello_mhd PORT THREADS
 *
 * Answers every request 200 with a small text body and an X-Guest-Email
 * header (what /auth sends back); runs until SIGTERM.
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int marker;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	static const char body[] = "ok\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	*upload_size = 0;
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(r, "X-Guest-Email", "guest@example.net");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t sigs;
	int sig;

	if (argc != 3) {
		fputs("usage: hello_mhd PORT THREADS\n", stderr);
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)strtoul(argv[1], NULL, 10),
			     NULL, NULL, on_request, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)strtoul(argv[2], NULL, 10),
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_CONNECTION_LIMIT, 1000u,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, 500u,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_END);
	if (d == NULL) {
		fputs("hello_mhd: cannot start\n", stderr);
		return 1;
	}
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	return 0;
}
