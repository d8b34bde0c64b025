/*
 * upgrade.h - rewrite guest and invitation records still in an older format
 * (JSON, the 8-byte first guest form) in the binary one (record.h).
 *
 * Every record moves to the binary format the first time it is written
 * again; this moves the rest, in the background, so that after the first
 * passes no request (/auth least of all) meets a JSON record. The maintenance
 * loop (main.c) calls upgrade_pass() at start and at each tick until one
 * returns true.
 * A pass walks both databases once in a read transaction, noting at most
 * UPGRADE_PASS old records that decode, then rewrites them UPGRADE_BATCH to
 * a write transaction (each record re-read there, and left alone if it
 * changed meanwhile), keeping each record's expiry. A record that does not
 * decode is left as it is: it reads as absent either way.
 * Failure: a store error ends the pass (logged); the next tick tries again.
 */
#ifndef OTPD_UPGRADE_H
#define OTPD_UPGRADE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define UPGRADE_PASS 16384
#define UPGRADE_BATCH 256

/* upgrade_pass - one pass at now; true when nothing was left to rewrite (done for good) */
bool upgrade_pass(struct store *st, uint64_t now) __attribute__((nonnull));

#endif
