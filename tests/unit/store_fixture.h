/*
 * store_fixture.h - for otpd unit tests: a fresh LMDB store in a temporary
 * directory and secrets derived from a random master key, and their removal.
 * Header-only (each unit test is its own binary); cmocka setup/teardown call
 * these with the test's own globals.
 */
#ifndef GUESTLINK_STORE_FIXTURE_H
#define GUESTLINK_STORE_FIXTURE_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "secrets.h"
#include "store.h"

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
	*st = store_open(dir, map_size, err, sizeof(err));
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
