/*
 * dbcheck.h - check otpd's LMDB environment before opening it.
 *
 * dbcheck_run() reads all of DIR/data.mdb in a child process and says, in
 * err (naming the file), why otpd must not open it: not an LMDB file, an
 * LMDB environment of something else, or corrupt (reading it faults or
 * fails). A missing data.mdb is fine (a new environment). Call it before
 * any thread starts (it forks).
 */
#ifndef OTPD_DBCHECK_H
#define OTPD_DBCHECK_H

#include <stdbool.h>
#include <stddef.h>

bool dbcheck_run(const char *dir, char *err, size_t errsz) __attribute__((warn_unused_result, nonnull));

#endif
