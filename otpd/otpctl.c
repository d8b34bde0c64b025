/*
 * otpctl - guestlink's admin command.
 *
 *   otpctl keygen DIR
 *   otpctl -c FILE inspect LINK_OR_TOKEN [--email ADDR]
 *   otpctl config-reference
 *
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
#include "config.h"
#include "keys.h"
#include "token.h"

enum exit_code { EXIT_YES = 0, EXIT_NO = 1, EXIT_USAGE = 2 };

static void usage(void)
{
	fputs("usage: otpctl keygen DIR\n"
	      "       otpctl -c FILE inspect LINK_OR_TOKEN [--email ADDR]\n"
	      "       otpctl config-reference\n", stderr);
	exit(EXIT_USAGE);
}

static int cmd_keygen(int argc, char **argv)
{
	char err[CAP_ERRMSG];
	char dir[4096];
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

static int cmd_inspect(const struct config *cfg, int argc, char **argv)
{
	const char *link = NULL, *email = NULL, *text;
	char err[CAP_ERRMSG], kid[KEYS_KID_HEX], id[2 * TOKEN_ID_LEN + 1], norm[ADDR_BUF];
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
	text = token_from_link(link, &len);
	st = token_verify(text, len, &ring, (uint64_t)time(NULL), &t);
	if (st != TOKEN_OK)
		return inspect_invalid(token_status_word(st));
	keys_kid_hex(t.kid, kid);
	token_id_hex(&t, id);
	obj = json_pack("{s:b,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "valid", 1, "invitation", id, "kid", kid,
			"inviter", t.inviter, "resource", t.resource, "issued_at", (json_int_t)t.issued_at,
			"expires_at", (json_int_t)t.expires_at, "guests", (json_int_t)t.n_guests);
	if (obj == NULL)
		return inspect_invalid("malformed");
	if (email != NULL) {
		bool invited = addr_normalize(email, strlen(email), norm) && token_has_guest(&t, norm);

		json_object_set_new(obj, "email_invited", json_boolean(invited));
		print_json(obj);
		return invited ? EXIT_YES : EXIT_NO;
	}
	return print_json(obj);
}

int main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	struct config cfg;
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
		config_print_reference(stdout);
		return EXIT_YES;
	}
	if (strcmp(argv[0], "inspect") != 0)
		usage();
	if (cfg_path == NULL)
		cfg_path = "/etc/guestlink/guestlink.conf";
	if (!config_load(cfg_path, &cfg, err, sizeof(err)) ||
	    !config_require(&cfg, CONFIG_NEED_VERIFY, err, sizeof(err))) {
		fprintf(stderr, "otpctl: %s\n", err);
		return EXIT_USAGE;
	}
	rc = cmd_inspect(&cfg, argc, argv);
	config_free(&cfg);
	return rc;
}
