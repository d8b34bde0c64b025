/*
 * milter.h - the libmilter glue: callbacks that collect and call invite_process().
 *
 * State: per connection in smfi_setpriv (struct conn), per message inside it
 * (struct msg), freed at eom, abort and close (close may come without connect).
 */
#ifndef GUESTLINK_MILTER_H
#define GUESTLINK_MILTER_H

#include <libmilter/mfapi.h>

#include "milter_config.h"
#include "keys.h"

/* milter_setup - register callbacks and the socket; keeps pointers to cfg and key */
int milter_setup(const struct milter_config *cfg, const struct signing_key *key) __attribute__((nonnull));

#endif
