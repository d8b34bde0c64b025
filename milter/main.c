/*
 * guestlink-milter - turns staff invitation mails into signed accept links.
 *
 *   guestlink-milter [-c FILE] [-f] [-n]
 *     -c FILE  config (default /etc/guestlink/guestlink.conf)
 *     -f       stay in the foreground, log to stderr
 *     -n       check the config and the signing key, print "configuration OK"
 *
 * Start-up order (Postfix single_server, OpenSMTPD): config, key, socket,
 * then drop privileges, then libmilter's threads.
 */
#include <curl/curl.h>
#include <errno.h>
#include <libmilter/mfapi.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "milter_config.h"
#include "keys.h"
#include "listen.h"
#include "log.h"
#include "milter.h"
#include "privs.h"
#include "report.h"
#include "rewrite.h"

static void usage(void)
{
	fputs("usage: guestlink-milter [-c FILE] [-f] [-n]\n", stderr);
	exit(2);
}

/* hand_socket - let the milter user own the socket; Postfix reaches it through the group */
static void hand_socket(const struct milter_config *cfg, const struct privs_user *u)
{
	const char *path = listen_unix_path(cfg->socket);

	if (path == NULL)
		return;
	if (chmod(path, 0660) != 0)
		log_warn_errno("event=socket_chmod path=%s", path);
	if (u->drop && chown(path, u->uid, u->gid) != 0)
		log_warn_errno("event=socket_chown path=%s", path);
}

int main(int argc, char **argv)
{
	const char *cfg_path = "/etc/guestlink/guestlink.conf";
	bool foreground = false, check = false;
	struct signing_key key;
	struct milter_config cfg;
	struct privs_user user;
	char err[CAP_ERRMSG];
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:fnh")) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'f': foreground = true; break;
		case 'n': check = true; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (sodium_init() < 0) {
		fputs("guestlink-milter: libsodium failed to initialise\n", stderr);
		return 1;
	}
	if (!milter_config_load(cfg_path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "guestlink-milter: %s\n", err);
		return 1;
	}
	if (!milter_config_require(&cfg, err, sizeof(err)) ||
	    !keys_load_signing(cfg.signing_key, &key, err, sizeof(err))) {
		fprintf(stderr, "guestlink-milter: %s\n", err);
		milter_config_free(&cfg);
		return 1;
	}
	if (!keys_load_guest(cfg.guest_key, &key.guest, err, sizeof(err))) {
		fprintf(stderr, "guestlink-milter: %s\n", err);
		keys_free_signing(&key);
		milter_config_free(&cfg);
		return 1;
	}
	/* -n checks a named user as the start would; the start also refuses root without one. */
	if ((!check || cfg.milter_user[0] != '\0') && !privs_resolve(cfg.milter_user, "milter", &user, err, sizeof(err))) {
		fprintf(stderr, "guestlink-milter: %s: %s\n", cfg.path, err);
		keys_free_signing(&key);
		milter_config_free(&cfg);
		return 1;
	}
	if (check) {
		puts("configuration OK");
		keys_free_signing(&key);
		milter_config_free(&cfg);
		return 0;
	}
	log_open("guestlink-milter", foreground ? LOG_SINK_STDERR : LOG_SINK_SYSLOG, LOG_LEVEL_INFO);
	log_info("event=start config=%s", cfg.path);
	rewrite_init();		/* GMime: once, before threads */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		log_fatal("event=start error=\"libcurl failed to initialise\"");
	signal(SIGPIPE, SIG_IGN);
	if (milter_setup(&cfg, &key) != MI_SUCCESS)
		log_fatal("event=start error=\"cannot register with libmilter (socket %s)\"", cfg.socket);
	umask(007);
	if (smfi_opensocket(true) != MI_SUCCESS)
		log_fatal("event=start error=\"cannot open socket %s\"", cfg.socket);
	hand_socket(&cfg, &user);
	if (!privs_switch(&user, err, sizeof(err)))
		log_fatal("event=start error=\"%s\"", err);
	if (!foreground && !privs_daemonize())
		log_fatal_errno("event=start error=\"cannot become a daemon\"");
	if (!report_start(&cfg, &key))
		log_fatal("event=start error=\"cannot start the otpd report thread\"");
	log_info("event=started socket=%s resources=%zu trigger=%s", cfg.socket, cfg.resources.n,
		 cfg.trigger == TRIGGER_TAG ? "tag" : "link");
	rc = smfi_main();
	log_info("event=stop status=%d", rc);
	report_stop();
	curl_global_cleanup();
	rewrite_shutdown();
	keys_free_signing(&key);
	milter_config_free(&cfg);
	return rc == MI_SUCCESS ? 0 : 1;
}
