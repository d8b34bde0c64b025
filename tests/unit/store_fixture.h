/*
 * store_fixture.h - for otpd unit tests: a fresh store and secrets derived
 * from a random master key, and their removal.
 *
 * The store is LMDB in a temporary directory, or with GUESTLINK_TEST_STORE=pg
 * (tests/unit/run-pg.sh, which starts a private cluster) the PostgreSQL
 * database GUESTLINK_TEST_PG_URI names, emptied first. Asked for PostgreSQL
 * without a URI, the fixture fails: the run must not pass on LMDB alone.
 * Header-only (each unit test is its own binary); cmocka setup/teardown call
 * these with the test's own globals.
 */
#ifndef GUESTLINK_STORE_FIXTURE_H
#define GUESTLINK_STORE_FIXTURE_H

#include <sodium.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "store.h"

/* fixture_is_pg - this run is against PostgreSQL (GUESTLINK_TEST_STORE=pg) */
static inline bool fixture_is_pg(void)
{
	const char *b = getenv("GUESTLINK_TEST_STORE");

	return b != NULL && strcmp(b, "pg") == 0;
}

/* fixture_open - dir is a mkdtemp template; 0 on success, as cmocka wants */
static inline int fixture_open(char *dir, size_t map_size, struct store **st, struct secrets **keys)
{
	uint8_t master[32];
	char err[256];

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return -1;
	randombytes_buf(master, sizeof(master));
	*keys = secrets_derive(master);
	sodium_memzero(master, sizeof(master));
	if (fixture_is_pg()) {
		const char *uri = getenv("GUESTLINK_TEST_PG_URI");
		struct store_opts o = { .password_file = getenv("GUESTLINK_TEST_PG_PASSWORD_FILE") };

		if (uri == NULL || uri[0] == '\0') {
			fprintf(stderr, "store_fixture: GUESTLINK_TEST_STORE=pg but no GUESTLINK_TEST_PG_URI\n");
			return -1;
		}
		*st = store_open_with(uri, &o, err, sizeof(err));
		if (*st == NULL)
			fprintf(stderr, "store_fixture: %s\n", err);
		else
			store_sweep(*st, UINT64_MAX);	/* every record: a fresh store */
	} else {
		*st = store_open(dir, map_size, err, sizeof(err));
	}
	return *st && *keys ? 0 : -1;
}

static inline int fixture_close(const char *dir, struct store **st, struct secrets **keys)
{
	char cmd[128];

	*st = store_close(*st);
	*keys = secrets_free(*keys);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
