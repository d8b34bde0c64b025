/*
 * oidc_probe - drive otpd/oidc.c from the shell, as otpd's routes will, so
 * tests/oidc/ can run the authorization code flow against a real provider
 * without a browser.
 *
 *   oidc_probe CONF begin TOKEN EMAIL
 *       home-realm discovery for EMAIL, oidc_begin, the pending record into
 *       the [otpd] database; prints the authorization URL
 *   oidc_probe CONF finish TOKEN STATE CODE [COOKIE_STATE]
 *       takes the pending record of COOKIE_STATE (default STATE) from the
 *       database (one use), oidc_finish with the query's STATE and CODE
 *   oidc_probe CONF tamper-nonce STATE
 *       replaces the nonce of a pending record (a mismatched-nonce test)
 *   oidc_probe CONF verify NONCE JWT
 *       oidc_verify_id_token alone, for ID tokens the test got itself
 *
 * Prints "ok email=ADDR mfa=yes|no" (exit 0) or "error=WORD" (exit 1);
 * usage and setup problems exit 2. Test tool only.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otpd_config.h"
#include "keys.h"
#include "log.h"
#include "oidc.h"
#include "store.h"
#include "token.h"

static struct otpd_config cfg;
static struct oidc *oidc;
static struct store *st;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "oidc_probe: %s: %s\n", what, why);
	exit(2);
}

static int report(enum oidc_err e, const struct oidc_identity *id)
{
	if (e != OIDC_OK) {
		printf("error=%s\n", oidc_err_word(e));
		return 1;
	}
	printf("ok email=%s mfa=%s provider=%s\n", id->email, id->mfa ? "yes" : "no", id->provider);
	return 0;
}

static void load_token(const char *text, struct token *tok)
{
	static struct keyring ring;	/* tok->gk points into it: it lives as long as the process */
	static bool loaded;
	char err[512];
	enum token_status s;

	if (!loaded && !keys_load_verify(cfg.verify_keys, &ring, err, sizeof(err)))
		die("verify_keys", err);
	if (!loaded && !keyring_load_guests(&ring, cfg.guest_key, cfg.guest_key_previous, err, sizeof(err)))
		die("guest_key", err);
	loaded = true;
	s = token_verify(text, strlen(text), &ring, (uint64_t)time(NULL), tok);
	if (s != TOKEN_OK)
		die("token", token_status_word(s));
}

static int cmd_begin(const char *link, const char *email)
{
	const struct oidc_provider *p = oidc_provider_for_email(&cfg, email);
	struct token tok;
	struct oidc_pending pend;
	struct buf url;
	enum oidc_err e;

	if (p == NULL) {
		printf("code-flow\n");	/* not a configured domain: the emailed code */
		return 0;
	}
	load_token(link, &tok);
	buf_init(&url, CAP_URL_BYTES * 4);
	e = oidc_begin(oidc, p, email, &tok, link, (uint64_t)time(NULL), &pend, &url);
	if (e != OIDC_OK)
		return report(e, NULL);
	if (oidc_pending_put(st, &pend) != STORE_OK)
		die("store", "put failed");
	printf("%s\n", url.data);
	oidc_pending_clear(&pend);
	buf_release(&url);
	return 0;
}

static int cmd_finish(const char *link, const char *state, const char *code, const char *cookie_state)
{
	struct token tok;
	struct oidc_pending pend;
	struct oidc_identity id;
	enum oidc_err e;
	uint64_t now = (uint64_t)time(NULL);

	load_token(link, &tok);
	e = oidc_pending_take(st, cookie_state ? cookie_state : state, now, &pend);
	if (e == OIDC_OK)
		e = oidc_finish(oidc, &pend, code, state, &tok, now, &id);
	oidc_pending_clear(&pend);
	return report(e, &id);
}

static int cmd_tamper(const char *state)
{
	struct oidc_pending pend;

	if (oidc_pending_take(st, state, (uint64_t)time(NULL), &pend) != OIDC_OK)
		die("tamper-nonce", "no such pending record");
	pend.nonce[0] = pend.nonce[0] == 'A' ? 'B' : 'A';
	if (oidc_pending_put(st, &pend) != STORE_OK)
		die("store", "put failed");
	oidc_pending_clear(&pend);
	return 0;
}

static int cmd_verify(const char *nonce, const char *jwt)
{
	struct oidc_identity id;

	if (cfg.n_oidc == 0)
		die("config", "no [oidc NAME] section");
	return report(oidc_verify_id_token(oidc, &cfg.oidc[0], jwt, strlen(jwt), nonce, (uint64_t)time(NULL), &id), &id);
}

int main(int argc, char **argv)
{
	char err[512];
	int rc = 2;

	if (argc < 3)
		die("usage", "oidc_probe CONF begin|finish|tamper-nonce|verify ARGS...");
	if (sodium_init() < 0)
		die("libsodium", "init failed");
	log_open("oidc_probe", LOG_SINK_STDERR, LOG_LEVEL_INFO);
	if (!otpd_config_load(argv[1], &cfg, err, sizeof(err)))
		die("config", err);
	if ((oidc = oidc_new(&cfg, err, sizeof(err))) == NULL)
		die("oidc", err);
	if ((st = store_open(cfg.database, (uint64_t)cfg.database_max_size, err, sizeof(err))) == NULL)
		die("store", err);
	if (strcmp(argv[2], "begin") == 0 && argc == 5)
		rc = cmd_begin(argv[3], argv[4]);
	else if (strcmp(argv[2], "finish") == 0 && (argc == 6 || argc == 7))
		rc = cmd_finish(argv[3], argv[4], argv[5], argc == 7 ? argv[6] : NULL);
	else if (strcmp(argv[2], "tamper-nonce") == 0 && argc == 4)
		rc = cmd_tamper(argv[3]);
	else if (strcmp(argv[2], "verify") == 0 && argc == 5)
		rc = cmd_verify(argv[3], argv[4]);
	else
		fprintf(stderr, "oidc_probe: unknown command or wrong arguments\n");
	store_close(st);
	oidc_free(oidc);
	otpd_config_free(&cfg);
	return rc;
}
