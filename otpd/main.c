/*
 * otpd - guest sign-in with emailed one-time codes.
 *
 *   otpd -c FILE [-f] [-n]
 *
 * Start-up order (Postfix single_server, OpenSMTPD): read the config, open
 * the listening socket, the database (LMDB environment, or the PostgreSQL
 * pool's first connection) and the keys, drop privileges
 * to [otpd] user (shared/privs.c, as the milter), then start threads (HTTP workers, the outbox sender).
 * The main thread then only waits for signals and runs the sweeper and the
 * stale-reader check every minute.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "otpd_config.h"
#include "dbcheck.h"
#include "flow.h"
#include "http.h"
#include "listen.h"
#include "keys.h"
#include "log.h"
#include "mailmsg.h"
#include "oidc.h"
#include "lifecycle.h"
#include "upgrade.h"
#include "outbox.h"
#include "privs.h"
#include "secrets.h"
#include "store.h"

#define MAINT_INTERVAL 60

static void usage(void)
{
	fputs("usage: otpd -c FILE [-f] [-n]\n", stderr);
	exit(2);
}

/* check_config - everything -n promises: the file, the keys otpd needs, mail_from */
static bool check_config(const char *path, struct otpd_config *cfg, struct mail_from *from, char *err, size_t errsz)
{
	if (!otpd_config_load(path, cfg, err, errsz))
		return false;
	if (!otpd_config_require(cfg, CONFIG_NEED_OTPD, err, errsz))
		return false;
	/* Security: cookie_domain goes into a Set-Cookie header: a plain domain name or nothing. */
	for (const char *p = cfg->cookie_domain; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-')) {
			snprintf(err, errsz, "%s: [otpd] cookie_domain = %s is not a domain name", path, cfg->cookie_domain);
			return false;
		}
	}
	if (!mailmsg_parse_from(cfg->mail_from, from)) {
		snprintf(err, errsz, "%s: [otpd] mail_from = %s is not an address or Name <address> fit for a header",
			 path, cfg->mail_from);
		return false;
	}
	return true;
}

/* store_opts_of - what store_open_with() needs from the config */
static struct store_opts store_opts_of(const struct otpd_config *cfg)
{
	/* One connection per HTTP worker, the outbox sender and the sweeper. */
	return (struct store_opts){ .max_size = (uint64_t)cfg->database_max_size,
				    .password_file = cfg->database_password_file,
				    .connections = (unsigned)cfg->threads + 2 };
}

/* check_database - connect (and migrate) once, as the start would */
static bool check_database(const struct otpd_config *cfg, char *err, size_t errsz)
{
	struct store_opts o = store_opts_of(cfg);
	struct store *st;

	o.connections = 1;
	if ((st = store_open_with(cfg->database, &o, err, errsz)) == NULL)
		return false;
	store_close(st);
	return true;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	bool foreground = false, check_only = false;
	struct otpd_config cfg;
	struct mail_from from;
	struct keyring *ring;
	struct privs_user user;
	uint8_t *master = NULL;
	struct secrets *keys;
	struct store *st;
	struct store_opts store_opts;
	struct outbox *ob;
	struct http_server *http;
	struct outbox_smtp smtp;
	struct flow_ctx fx;
	struct oidc *oidc = NULL;
	char err[CAP_ERRMSG];
	sigset_t sigs;
	bool upgraded;
	int opt, fd, sig;

	while ((opt = getopt(argc, argv, "c:fnh")) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 'f')
			foreground = true;
		else if (opt == 'n')
			check_only = true;
		else
			usage();
	}
	if (path == NULL || optind != argc)
		usage();
	if (sodium_init() < 0) {
		fputs("otpd: libsodium failed to initialise\n", stderr);
		return 1;
	}
	if (!check_config(path, &cfg, &from, err, sizeof(err))) {
		fprintf(stderr, "otpd: %s\n", err);
		otpd_config_free(&cfg);
		return 1;
	}
	/* -n checks a named user as the start would; the start also refuses root without one. */
	if ((!check_only || cfg.otpd_user[0] != '\0') && !privs_resolve(cfg.otpd_user, "otpd", &user, err, sizeof(err))) {
		fprintf(stderr, "otpd: %s: %s\n", path, err);
		otpd_config_free(&cfg);
		return 1;
	}
	if (check_only) {
		/* -n (ExecStartPre) also refuses what the start would: a secret group or others can read. */
		/* ... and guest keys it could not use. */
		struct keyring *chk = calloc(1, sizeof(*chk));
		bool ok = chk != NULL && keys_load_secret(cfg.secret, &master, err, sizeof(err)) &&
			  keyring_load_guests(chk, cfg.guest_key, cfg.guest_key_previous, err, sizeof(err));

		if (chk != NULL)
			keyring_free(chk);
		free(chk);
		master = keys_free_secret(master);
		if (!ok) {
			fprintf(stderr, "otpd: %s\n", chk == NULL ? "out of memory" : err);
			otpd_config_free(&cfg);
			return 1;
		}
		/* A shared database: -n proves it can be reached, and says where it could not. */
		if (store_is_uri(cfg.database) && !check_database(&cfg, err, sizeof(err))) {
			fprintf(stderr, "otpd: %s: [otpd] database: %s\n", path, err);
			otpd_config_free(&cfg);
			return 1;
		}
		puts("configuration OK");
		otpd_config_free(&cfg);
		return 0;
	}
	log_open("otpd", foreground ? LOG_SINK_STDERR : LOG_SINK_SYSLOG, LOG_LEVEL_INFO);
	log_info("event=start config=%s", path);
	if (!foreground && !privs_daemonize())
		log_fatal_errno("event=start error=\"cannot become a daemon\"");

	/* Everything privileged first: socket, database, keys. */
	ring = calloc(1, sizeof(*ring));
	if (ring == NULL)
		log_fatal("event=start reason=out_of_memory");
	if ((fd = listen_open(cfg.listen, err, sizeof(err))) < 0)
		log_fatal("event=start error=\"%s\"", err);
	if (user.drop && strncmp(cfg.listen, "unix:", 5) == 0 && chown(cfg.listen + 5, user.uid, user.gid) != 0)
		log_fatal_errno("event=start error=\"cannot chown %s\"", cfg.listen + 5);
	/* Security: a corrupt or foreign data.mdb is refused here, with its name, rather than crash a reader. */
	/* reason= (not error=) on these two: tests/hardening/t-otpd-store-faults.sh and tests/pg/t-config.sh
	 * grep it. */
	if (!store_is_uri(cfg.database) && !dbcheck_run(cfg.database, err, sizeof(err)))
		log_fatal("event=start reason=\"%s\"", err);
	store_opts = store_opts_of(&cfg);
	if ((st = store_open_with(cfg.database, &store_opts, err, sizeof(err))) == NULL)
		log_fatal("event=start reason=\"%s\"", err);
	store_set_batch(st, (unsigned)cfg.write_batch);
	if (user.drop && !store_chown(cfg.database, user.uid, user.gid))
		log_fatal_errno("event=start error=\"cannot chown %s\"", cfg.database);
	if (!keys_load_verify(cfg.verify_keys, ring, err, sizeof(err)) ||
	    !keyring_load_guests(ring, cfg.guest_key, cfg.guest_key_previous, err, sizeof(err)) ||
	    !keys_load_secret(cfg.secret, &master, err, sizeof(err)))
		log_fatal("event=start error=\"%s\"", err);
	keys = secrets_derive(master);
	master = keys_free_secret(master);
	if (keys == NULL)
		log_fatal("event=start reason=out_of_memory");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		log_fatal("event=start error=\"libcurl failed to initialise\"");
	/* [oidc NAME] client secrets are root's files: read them before dropping privileges. */
	if (cfg.n_oidc > 0 && (oidc = oidc_new(&cfg, err, sizeof(err))) == NULL)
		log_fatal("event=start error=\"%s\"", err);
	if (!privs_switch(&user, err, sizeof(err)))
		log_fatal("event=start error=\"%s\"", err);

	/* Threads inherit this mask: only the main thread takes signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	smtp.url = cfg.smtp_url;
	smtp.from = from.addr;
	smtp.timeout = (long)cfg.smtp_timeout;
	if ((ob = outbox_start(st, keys, &smtp)) == NULL)
		log_fatal_errno("event=start error=\"cannot start the outbox sender\"");
	fx = (struct flow_ctx){ &cfg, st, keys, ring, &from, ob, oidc };
	if ((http = http_start(fd, &fx)) == NULL)
		log_fatal("event=start error=\"cannot start the HTTP server\"");
	log_info("event=started listen=%s database=%s user=%s oidc_providers=%zu", cfg.listen, store_where(st),
		 user.drop ? cfg.otpd_user : "(unchanged)", cfg.n_oidc);

	/* Older records to the binary format, in the background of serving: a pass now, then each tick. */
	upgraded = upgrade_pass(st, (uint64_t)time(NULL));
	for (;;) {
		struct timespec wait = { lifecycle_interval(&cfg, MAINT_INTERVAL), 0 };

		sig = sigtimedwait(&sigs, NULL, &wait);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig < 0 && errno != EAGAIN && errno != EINTR)
			log_error_errno("event=sigtimedwait");
		if (sig < 0 && errno == EAGAIN) {
			size_t n = store_sweep(st, (uint64_t)time(NULL));

			if (n > 0)
				log_info("event=sweep deleted=%zu", n);
			lifecycle_sweep(&fx, (uint64_t)time(NULL));
			if (!upgraded)
				upgraded = upgrade_pass(st, (uint64_t)time(NULL));
			store_check_readers(st);
		}
	}
	log_info("event=stop signal=%d", sig);
	http = http_stop(http);
	ob = outbox_stop(ob);
	st = store_close(st);
	oidc = oidc_free(oidc);
	keys = secrets_free(keys);
	keyring_free(ring);
	free(ring);
	curl_global_cleanup();
	otpd_config_free(&cfg);
	return 0;
}
