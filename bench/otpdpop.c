/*
 * otpdpop - fill otpd's database for the benchmarks through otpd's own store
 * API (store.h, guest.h, session.h, codes.h), in large transactions, not
 * through HTTP; and make the signed links the load scripts send.
 *
 *   otpdpop fill DB SECRET FROM TO
 *       guests FROM..TO-1 (g<i>@pop.example.net): a guest record with one
 *       redeemed invitation, a session and a live code each.
 *   otpdpop codes DB SECRET SIGNING_KEY N OUT
 *       N live codes for N invited addresses (10 per signed link); OUT gets
 *       one "link email code" line each, for code verification load.
 *   otpdpop links SIGNING_KEY N OUT
 *       N addresses (10 per signed link); OUT gets "link email" lines, for
 *       code issue load.
 *
 * Bench tool only: it holds the signing key the milter would hold.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "codes.h"
#include "guest.h"
#include "keys.h"
#include "secrets.h"
#include "session.h"
#include "store.h"
#include "token.h"

#define PER_TXN 5000
#define PER_LINK 10
#define RESOURCE "https://teams.example.org/team/42"
#define INVITER "staff@example.org"

static void die(const char *what)
{
	fprintf(stderr, "otpdpop: %s\n", what);
	exit(2);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0')
		die("not a number");
	return v;
}

static struct store *open_db(const char *dir)
{
	char err[512];
	struct store *st = store_open(dir, 16ull << 30, err, sizeof(err));

	if (st == NULL)
		die(err);
	return st;
}

static struct secrets *load_secrets(const char *path)
{
	char err[512];
	uint8_t *master = NULL;
	struct secrets *k;

	if (!keys_load_secret(path, &master, err, sizeof(err)))
		die(err);
	k = secrets_derive(master);
	keys_free_secret(master);
	if (k == NULL)
		die("out of memory");
	return k;
}

/* fill_guest_key - a throwaway guest key: filled records need only an invitation id */
static const struct guest_key *fill_guest_key(void)
{
	static struct guest_key gk;

	if (gk.key == NULL) {
		gk.key = sodium_malloc(KEYS_SECRET_LEN);
		if (gk.key == NULL)
			die("out of memory");
		randombytes_buf(gk.key, KEYS_SECRET_LEN);
		keys_guest_kid(gk.key, gk.kid);
	}
	return &gk;
}

struct fill {
	const struct secrets *keys;
	unsigned long from, to;
	uint64_t now;
};

static enum store_status fill_txn(struct store_txn *txn, void *arg)
{
	struct fill *f = arg;
	struct session_limits lim = { 8 * 3600, 3600 };
	struct token t;
	char addr[64], cookie[SESSION_TEXT], code[CODE_BUF], key[CODE_KEY_BUF];
	enum store_status s = STORE_OK;
	bool first;

	memset(&t, 0, sizeof(t));
	for (unsigned long i = f->from; i < f->to && s == STORE_OK; i++) {
		if ((i - f->from) % PER_LINK == 0 && !token_init(&t, fill_guest_key(), INVITER, RESOURCE, f->now, 86400))
			return STORE_ERROR;
		snprintf(addr, sizeof(addr), "g%lu@pop.example.net", i);
		s = guest_redeemed(txn, addr, &t, f->now, &first);
		if (s == STORE_OK)
			s = session_create(txn, f->keys, addr, SESSION_CODE, "", f->now, &lim, cookie);
		if (s == STORE_OK)
			s = codes_issue(txn, f->keys, t.id, addr, f->now, 3600, code, key);
	}
	return s;
}

static int cmd_fill(char **argv)
{
	struct store *st = open_db(argv[0]);
	struct secrets *keys = load_secrets(argv[1]);
	unsigned long from = num(argv[2]), to = num(argv[3]);
	struct fill f = { keys, 0, 0, (uint64_t)time(NULL) };

	for (f.from = from; f.from < to; f.from = f.to) {
		f.to = f.from + PER_TXN < to ? f.from + PER_TXN : to;
		if (store_write(st, fill_txn, &f) != STORE_OK)
			die("store_write failed");
	}
	secrets_free(keys);
	store_close(st);
	return 0;
}

/* make_link - a signed link for PER_LINK addresses base..base+PER_LINK-1; its text in out */
static void make_link(const struct signing_key *key, unsigned long base, struct token *t, struct buf *out)
{
	char addr[64];

	if (!token_init(t, &key->guest, INVITER, RESOURCE, (uint64_t)time(NULL), 86400))
		die("token_init");
	for (unsigned long j = base; j < base + PER_LINK; j++) {
		snprintf(addr, sizeof(addr), "v%lu@bench.example.net", j);
		if (!token_add_guest(t, addr))
			die("token_add_guest");
	}
	buf_reset(out);
	if (!token_encode(t, key, out))
		die("token_encode");
}

#define LINKS_PER_TXN 100

struct codes_work {
	const struct secrets *keys;
	struct token *t;	/* LINKS_PER_TXN links */
	size_t n;
	unsigned long base;	/* the first link's first address */
	char (*codes)[CODE_BUF];	/* PER_LINK per link */
};

static enum store_status codes_txn(struct store_txn *txn, void *arg)
{
	struct codes_work *w = arg;
	char addr[64], key[CODE_KEY_BUF];
	enum store_status s = STORE_OK;

	for (size_t j = 0; j < w->n * PER_LINK && s == STORE_OK; j++) {
		snprintf(addr, sizeof(addr), "v%lu@bench.example.net", w->base + j);
		s = codes_issue(txn, w->keys, w->t[j / PER_LINK].id, addr, (uint64_t)time(NULL), 3600, w->codes[j], key);
	}
	return s;
}

static int cmd_links(const char *db, const char *secret, const char *keyfile, unsigned long n, const char *path)
{
	struct signing_key key;
	struct store *st = db ? open_db(db) : NULL;
	struct secrets *keys = secret ? load_secrets(secret) : NULL;
	struct codes_work w = { keys, calloc(LINKS_PER_TXN, sizeof(struct token)), 0, 0,
				calloc(LINKS_PER_TXN * PER_LINK, CODE_BUF) };
	struct buf *links = calloc(LINKS_PER_TXN, sizeof(struct buf));
	char err[512];
	FILE *out = fopen(path, "w");

	if (out == NULL || w.t == NULL || w.codes == NULL || links == NULL)
		die(path);
	if (!keys_load_signing(keyfile, &key, err, sizeof(err)))
		die(err);
	/* The guest key is guest.key beside the signing key, as otpctl keygen makes them. */
	{
		char gpath[4096];
		const char *slash = strrchr(keyfile, '/');

		snprintf(gpath, sizeof(gpath), "%.*sguest.key", slash ? (int)(slash - keyfile + 1) : 0, keyfile);
		if (!keys_load_guest(gpath, &key.guest, err, sizeof(err)))
			die(err);
	}
	for (size_t i = 0; i < LINKS_PER_TXN; i++)
		buf_init(&links[i], CAP_TOKEN_BYTES);
	for (w.base = 0; w.base < n; w.base += w.n * PER_LINK) {
		for (w.n = 0; w.n < LINKS_PER_TXN && w.base + w.n * PER_LINK < n; w.n++)
			make_link(&key, w.base + w.n * PER_LINK, &w.t[w.n], &links[w.n]);
		if (st != NULL && store_write(st, codes_txn, &w) != STORE_OK)
			die("store_write failed");
		for (size_t j = 0; j < w.n * PER_LINK; j++) {
			if (st != NULL)
				fprintf(out, "%s v%lu@bench.example.net %s\n", links[j / PER_LINK].data, w.base + j, w.codes[j]);
			else
				fprintf(out, "%s v%lu@bench.example.net\n", links[j / PER_LINK].data, w.base + j);
		}
	}
	if (fclose(out) != 0)
		die(path);
	for (size_t i = 0; i < LINKS_PER_TXN; i++)
		buf_release(&links[i]);
	free(links);
	keys_free_signing(&key);
	free(w.t);
	free(w.codes);
	if (keys != NULL)
		secrets_free(keys);
	store_close(st);
	return 0;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("sodium_init");
	if (argc == 6 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv + 2);
	if (argc == 7 && strcmp(argv[1], "codes") == 0)
		return cmd_links(argv[2], argv[3], argv[4], num(argv[5]), argv[6]);
	if (argc == 5 && strcmp(argv[1], "links") == 0)
		return cmd_links(NULL, NULL, argv[2], num(argv[3]), argv[4]);
	fputs("usage: otpdpop fill DB SECRET FROM TO | codes DB SECRET SIGNING_KEY N OUT | links SIGNING_KEY N OUT\n",
	      stderr);
	return 2;
}
