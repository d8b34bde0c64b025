/*
 * otpctl - guestlink's admin command.
 *
 *   otpctl keygen DIR
 *   otpctl -c FILE inspect LINK_OR_TOKEN [--email ADDR]
 *   otpctl config-reference
 *   otpctl -c FILE invitations            one JSON object a line, with "state"
 *   otpctl -c FILE revoke ID              the link stops working at once
 *   otpctl -c FILE guests                 one JSON object a line: mfa, last sign-in, invitations
 *   otpctl -c FILE reset-mfa ADDR         forget the guest's authenticator and recovery codes
 *   otpctl -c FILE revoke-sessions ADDR   sign the guest out everywhere
 *   otpctl -c FILE migrate --to URI [--password-file FILE]
 *                                         copy the whole LMDB store into PostgreSQL
 *
 * The database commands open otpd's store directly, either backend: LMDB
 * allows several processes, PostgreSQL several hosts; otpd checks
 * revocations on every use of a token (PostgreSQL: within a second on
 * every host, its read cache being shorter).
 * Output for scripts is one JSON object (jansson); messages for people go to
 * stderr. Exit codes: 0 yes/ok, 1 no/invalid, 2 usage or setup error.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "caps.h"
#include "otpd_config.h"
#include "keys.h"
#include "guest.h"
#include "invite.h"
#include "mfa.h"
#include "session.h"
#include "store.h"
#include "token.h"

enum exit_code { EXIT_YES = 0, EXIT_NO = 1, EXIT_USAGE = 2 };

static void usage(void)
{
	fputs("usage: otpctl keygen DIR\n"
	      "       otpctl -c FILE inspect LINK_OR_TOKEN [--email ADDR]\n"
	      "       otpctl config-reference\n"
	      "       otpctl -c FILE invitations\n"
	      "       otpctl -c FILE revoke INVITATION_ID\n"
	      "       otpctl -c FILE guests\n"
	      "       otpctl -c FILE reset-mfa ADDR\n"
	      "       otpctl -c FILE revoke-sessions ADDR\n"
	      "       otpctl -c FILE migrate --to postgresql://USER@HOST:PORT/DBNAME [--password-file FILE]\n", stderr);
	exit(EXIT_USAGE);
}

/* open_db - otpd's store as the config names it (with its password file) */
static struct store *open_db(const struct otpd_config *cfg, char *err, size_t errsz)
{
	struct store_opts o = { .max_size = (uint64_t)cfg->database_max_size,
				.password_file = cfg->database_password_file,
				.connections = 1 };

	return store_open_with(cfg->database, &o, err, errsz);
}

static int cmd_keygen(int argc, char **argv)
{
	char err[CAP_ERRMSG];
	char dir[CAP_PATH_BYTES];
	size_t len;

	if (argc != 2)
		usage();
	len = strlen(argv[1]);
	if (len == 0 || len >= sizeof(dir))
		usage();
	memcpy(dir, argv[1], len + 1);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	if (!keys_generate(dir, stdout, err, sizeof(err))) {
		fprintf(stderr, "otpctl: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_YES;
}

static int print_json(json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);

	if (text == NULL) {
		json_decref(obj);
		return EXIT_USAGE;
	}
	puts(text);
	free(text);
	json_decref(obj);
	return EXIT_YES;
}

static int inspect_invalid(const char *error)
{
	print_json(json_pack("{s:b,s:s}", "valid", 0, "error", error));
	return EXIT_NO;
}

static int cmd_inspect(const struct otpd_config *cfg, int argc, char **argv)
{
	const char *link = NULL, *email = NULL, *text;
	char err[CAP_ERRMSG], kid[KEYS_KID_HEX], id[2 * TOKEN_ID_LEN + 1], norm[ADDR_BUF];
	char gkid[2 * KEYS_GUEST_KID_LEN + 1];
	struct keyring ring;
	struct token t;
	enum token_status st;
	size_t len;
	json_t *obj;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
			email = argv[++i];
		else if (link == NULL && argv[i][0] != '-')
			link = argv[i];
		else
			usage();
	}
	if (link == NULL)
		usage();
	if (!keys_load_verify(cfg->verify_keys, &ring, err, sizeof(err))) {
		fprintf(stderr, "otpctl: %s\n", err);
		return EXIT_USAGE;
	}
	/* --email needs the guest key(s), as otpd does; without --email nothing secret is read. */
	if (email != NULL && cfg->guest_key == NULL) {
		fprintf(stderr, "otpctl: %s: [keys] guest_key is not set; inspect --email needs the guest key "
				"(the guests in a link are hashed with it)\n", cfg->path);
		return EXIT_USAGE;
	}
	if (email != NULL && !keyring_load_guests(&ring, cfg->guest_key, cfg->guest_key_previous, err, sizeof(err))) {
		fprintf(stderr, "otpctl: %s\n", err);
		return EXIT_USAGE;
	}
	text = token_from_link(link, &len);
	st = token_verify(text, len, &ring, (uint64_t)time(NULL), &t);
	if (st != TOKEN_OK) {
		keyring_free(&ring);
		return inspect_invalid(token_status_word(st));
	}
	keys_kid_hex(t.kid, kid);
	token_id_hex(&t, id);
	sodium_bin2hex(gkid, sizeof(gkid), t.guest_kid, sizeof(t.guest_kid));
	obj = json_pack("{s:b,s:i,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "valid", 1, "version", (int)t.version,
			"invitation", id, "kid", kid, "guest_key_id", t.version == TOKEN_VERSION_V1 ? "" : gkid,
			"inviter", t.inviter, "resource", t.resource, "issued_at", (json_int_t)t.issued_at,
			"expires_at", (json_int_t)t.expires_at, "guests", (json_int_t)t.n_guests);
	if (obj == NULL) {
		keyring_free(&ring);
		return inspect_invalid("malformed");
	}
	if (email != NULL && !token_guest_key_held(&t)) {
		keyring_free(&ring);
		json_decref(obj);
		fprintf(stderr, "otpctl: the link's guest key (id %s) is neither guest_key nor guest_key_previous: "
				"cannot tell whether %s is invited\n", gkid, email);
		return EXIT_USAGE;
	}
	if (email != NULL) {
		bool invited = addr_normalize(email, strlen(email), norm) && token_has_guest(&t, norm);

		keyring_free(&ring);
		json_object_set_new(obj, "email_invited", json_boolean(invited));
		print_json(obj);
		return invited ? EXIT_YES : EXIT_NO;
	}
	return print_json(obj);
}

struct db_work {
	uint8_t id[TOKEN_ID_LEN];
	uint64_t now;
	char addr[ADDR_BUF];
	bool found;
	size_t sessions;
};

static enum store_status list_txn(struct store_txn *txn, void *arg)
{
	struct db_work *w = arg;

	return invite_list(txn, w->now, stdout);
}

static enum store_status revoke_txn(struct store_txn *txn, void *arg)
{
	struct db_work *w = arg;

	return invite_revoke(txn, w->id, w->now);
}

static enum store_status guests_txn(struct store_txn *txn, void *arg)
{
	struct db_work *w = arg;

	return guest_list(txn, w->now, stdout);
}

/* reset_txn - forget the authenticator; end the sessions too (a lost phone may be a stolen one) */
static enum store_status reset_txn(struct store_txn *txn, void *arg)
{
	struct db_work *w = arg;
	struct guest *rec = guest_load(txn, w->addr, w->now);
	enum store_status s;

	w->found = rec != NULL;
	if (rec == NULL)
		return STORE_OK;
	mfa_reset(rec);
	rec->mfa_reset_at = w->now;
	s = guest_save(txn, w->addr, rec, w->now);
	guest_free(rec);
	return s == STORE_OK ? session_end_all(txn, w->addr, w->now, &w->sessions) : s;
}

static enum store_status sessions_txn(struct store_txn *txn, void *arg)
{
	struct db_work *w = arg;

	return session_end_all(txn, w->addr, w->now, &w->sessions);
}

/* cmd_guest - guests / reset-mfa / revoke-sessions */
static int cmd_guest(const struct otpd_config *cfg, int argc, char **argv)
{
	struct db_work w = { .now = (uint64_t)time(NULL) };
	bool list = strcmp(argv[0], "guests") == 0, reset = strcmp(argv[0], "reset-mfa") == 0;
	char err[CAP_ERRMSG];
	struct store *st;
	enum store_status s;

	if (argc != (list ? 1 : 2))
		usage();
	if (!list && !addr_normalize(argv[1], strlen(argv[1]), w.addr)) {
		fprintf(stderr, "otpctl: '%s' is not a mail address\n", argv[1]);
		return EXIT_USAGE;
	}
	st = open_db(cfg, err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "otpctl: %s\n", err);
		return EXIT_USAGE;
	}
	s = list ? store_read(st, guests_txn, &w) : store_write(st, reset ? reset_txn : sessions_txn, &w);
	st = store_close(st);
	if (s != STORE_OK) {
		fprintf(stderr, "otpctl: database: %s\n", store_status_word(s));
		return EXIT_USAGE;
	}
	if (reset && !w.found) {
		fprintf(stderr, "otpctl: no guest %s\n", w.addr);
		return EXIT_NO;
	}
	if (reset)
		fprintf(stderr, "otpctl: %s: authenticator and recovery codes removed, %zu session(s) ended; "
				"the next sign-in asks to set up an authenticator again\n", w.addr, w.sessions);
	else if (!list)
		fprintf(stderr, "otpctl: %s: %zu session(s) ended\n", w.addr, w.sessions);
	return EXIT_YES;
}

/* cmd_db - invitations / revoke: work on otpd's database */
static int cmd_db(const struct otpd_config *cfg, int argc, char **argv)
{
	struct db_work w = { .now = (uint64_t)time(NULL) };
	bool revoke = strcmp(argv[0], "revoke") == 0;
	char err[CAP_ERRMSG];
	struct store *st;
	enum store_status s;

	if (argc != (revoke ? 2 : 1))
		usage();
	if (revoke) {
		const char *id = argv[1];
		size_t len;

		/* Accept the id, or a whole link or token (its id is inside). */
		if (!invite_id_parse(id, w.id)) {
			struct token t;
			const char *text = token_from_link(id, &len);

			if (token_decode(text, len, &t) != TOKEN_OK) {
				fprintf(stderr, "otpctl: '%s' is not an invitation id (32 hex digits) or a link\n", id);
				return EXIT_USAGE;
			}
			memcpy(w.id, t.id, TOKEN_ID_LEN);
		}
	}
	st = open_db(cfg, err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "otpctl: %s\n", err);
		return EXIT_USAGE;
	}
	s = revoke ? store_write(st, revoke_txn, &w) : store_read(st, list_txn, &w);
	st = store_close(st);
	if (s != STORE_OK) {
		fprintf(stderr, "otpctl: database: %s\n", store_status_word(s));
		return EXIT_USAGE;
	}
	if (revoke) {
		char hex[2 * TOKEN_ID_LEN + 1];

		sodium_bin2hex(hex, sizeof(hex), w.id, TOKEN_ID_LEN);
		fprintf(stderr, "otpctl: invitation %s revoked\n", hex);
	}
	return EXIT_YES;
}

/* One record on its way from LMDB to PostgreSQL. */
struct mig_rec {
	enum store_db db;
	uint8_t *key, *val;
	size_t klen, vlen;
	uint64_t expires_at;
};

struct mig_work {
	uint64_t now;
	struct mig_rec *recs;
	size_t n, cap;
	enum store_db db;
	bool oom;
	size_t per_db[STORE_NDB];
	bool dest_busy;
};

static bool mig_collect(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	struct mig_work *w = arg;
	struct mig_rec *r;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct mig_rec *n = realloc(w->recs, cap * sizeof(*n));

		if (n == NULL)
			return !(w->oom = true);
		w->recs = n;
		w->cap = cap;
	}
	r = &w->recs[w->n];
	r->key = malloc(klen ? klen : 1);
	r->val = malloc(v->len ? v->len : 1);
	if (r->key == NULL || r->val == NULL) {
		free(r->key);
		free(r->val);
		return !(w->oom = true);
	}
	memcpy(r->key, key, klen);
	memcpy(r->val, v->data, v->len);
	r->db = w->db;
	r->klen = klen;
	r->vlen = v->len;
	r->expires_at = v->expires_at;
	w->n++;
	w->per_db[w->db]++;
	return true;
}

/* mig_read - every live record of every database, copied out of LMDB */
static enum store_status mig_read(struct store_txn *txn, void *arg)
{
	struct mig_work *w = arg;
	enum store_status s = STORE_OK;

	for (int db = 0; db < STORE_NDB && s == STORE_OK && !w->oom; db++) {
		w->db = (enum store_db)db;
		s = store_each(txn, w->db, w->now, mig_collect, w);
	}
	return w->oom ? STORE_ERROR : s;
}

static bool mig_any(const void *key, size_t klen, const struct store_val *v, void *arg)
{
	(void)key;
	(void)klen;
	(void)v;
	*(bool *)arg = true;
	return false;
}

/* mig_write - all of it in one transaction: the destination holds the whole store or nothing */
static enum store_status mig_write(struct store_txn *txn, void *arg)
{
	struct mig_work *w = arg;
	enum store_status s = STORE_OK;

	w->dest_busy = false;
	for (int db = 0; db < STORE_NDB && s == STORE_OK && !w->dest_busy; db++)
		s = store_each(txn, (enum store_db)db, w->now, mig_any, &w->dest_busy);
	if (s != STORE_OK || w->dest_busy)
		return s == STORE_OK ? STORE_ABORT : s;
	for (size_t i = 0; i < w->n && s == STORE_OK; i++)
		s = store_put(txn, w->recs[i].db, w->recs[i].key, w->recs[i].klen, w->recs[i].val, w->recs[i].vlen,
			      w->recs[i].expires_at);
	return s;
}

/* cmd_migrate - copy the configured LMDB store into the PostgreSQL database --to names */
static int cmd_migrate(const struct otpd_config *cfg, int argc, char **argv)
{
	static const char *const names[STORE_NDB] = { "codes", "limits", "guests", "sessions", "invitations",
						      "outbox", "audit" };
	struct mig_work w = { .now = (uint64_t)time(NULL) };
	struct store_opts o = { .password_file = cfg->database_password_file, .connections = 1 };
	const char *to = NULL;
	char err[CAP_ERRMSG];
	struct store *src = NULL, *dst = NULL;
	enum store_status s = STORE_ERROR;
	int rc = EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
			to = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc)
			o.password_file = argv[++i];
		else
			usage();
	}
	if (to == NULL)
		usage();
	if (!store_is_uri(to) || store_is_uri(cfg->database)) {
		fprintf(stderr, "otpctl: migrate copies an LMDB store ([otpd] database, a directory) to a "
				"postgresql:// URI (--to)\n");
		return EXIT_USAGE;
	}
	if ((src = open_db(cfg, err, sizeof(err))) == NULL || (dst = store_open_with(to, &o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "otpctl: %s\n", err);
		goto out;
	}
	if ((s = store_read(src, mig_read, &w)) != STORE_OK) {
		fprintf(stderr, "otpctl: reading %s: %s\n", store_where(src), store_status_word(s));
		goto out;
	}
	s = store_write(dst, mig_write, &w);
	if (s == STORE_ABORT && w.dest_busy) {
		fprintf(stderr, "otpctl: %s already holds records: migrate only into an empty database\n",
			store_where(dst));
		rc = EXIT_NO;
		goto out;
	}
	if (s != STORE_OK) {
		fprintf(stderr, "otpctl: writing %s: %s\n", store_where(dst), store_status_word(s));
		goto out;
	}
	printf("{\"migrated\":true,\"to\":\"%s\"", store_where(dst));
	for (int db = 0; db < STORE_NDB; db++)
		printf(",\"%s\":%zu", names[db], w.per_db[db]);
	puts("}");
	fprintf(stderr, "otpctl: %zu records copied; now set [otpd] database = %s on every otpd host\n", w.n,
		store_where(dst));
	rc = EXIT_YES;
out:
	for (size_t i = 0; i < w.n; i++) {
		sodium_memzero(w.recs[i].val, w.recs[i].vlen);
		free(w.recs[i].key);
		free(w.recs[i].val);
	}
	free(w.recs);
	store_close(src);
	store_close(dst);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	struct otpd_config cfg;
	char err[CAP_ERRMSG];
	int opt, rc;

	if (sodium_init() < 0) {
		fputs("otpctl: libsodium failed to initialise\n", stderr);
		return EXIT_USAGE;
	}
	while ((opt = getopt(argc, argv, "+c:h")) != -1) {
		if (opt == 'c')
			cfg_path = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "keygen") == 0)
		return cmd_keygen(argc, argv);
	if (strcmp(argv[0], "config-reference") == 0) {
		otpd_config_print_reference(stdout);
		return EXIT_YES;
	}
	bool db = strcmp(argv[0], "invitations") == 0 || strcmp(argv[0], "revoke") == 0;
	bool guest = strcmp(argv[0], "guests") == 0 || strcmp(argv[0], "reset-mfa") == 0 ||
		     strcmp(argv[0], "revoke-sessions") == 0;

	bool migrate = strcmp(argv[0], "migrate") == 0;

	if (strcmp(argv[0], "inspect") != 0 && !db && !guest && !migrate)
		usage();
	if (cfg_path == NULL)
		cfg_path = "/etc/guestlink/guestlink.conf";
	if (!otpd_config_load(cfg_path, &cfg, err, sizeof(err)) ||
	    !otpd_config_require(&cfg, CONFIG_NEED_VERIFY, err, sizeof(err))) {
		fprintf(stderr, "otpctl: %s\n", err);
		otpd_config_free(&cfg);
		return EXIT_USAGE;
	}
	rc = db ? cmd_db(&cfg, argc, argv) : guest ? cmd_guest(&cfg, argc, argv) : migrate ? cmd_migrate(&cfg, argc, argv)
										 : cmd_inspect(&cfg, argc, argv);
	otpd_config_free(&cfg);
	return rc;
}
