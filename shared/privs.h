/*
 * privs.h - drop root and become a daemon, the way Postfix's single_server does.
 *
 * The one privilege drop of both daemons. Call order in a daemon: read the
 * config and privs_resolve() the [section] user (so a bad user fails before
 * anything is opened); open sockets, database and key files, and chown what
 * the user must own to privs_user's uid/gid; then privs_switch(); then start
 * threads.
 */
#ifndef GUESTLINK_PRIVS_H
#define GUESTLINK_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The account a daemon runs as after the drop. */
struct privs_user {
	bool drop;		/* started as root: privs_switch() changes to uid/gid */
	uid_t uid;
	gid_t gid;
};

/* privs_resolve - the user a daemon with "[who] user = user" becomes. Refused (false, with a reason
 * that names [who] user): started as root with no user; a named user that does not exist; a named user
 * whose uid is 0. Not root and no user: nothing to drop. */
bool privs_resolve(const char *user, const char *who, struct privs_user *u, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* privs_switch - when u->drop: setgroups, setresgid, setresuid to u, each checked, then verify that
 * every uid is u's and root cannot be regained. Not u->drop: nothing to do. */
bool privs_switch(const struct privs_user *u, char *err, size_t errsz) __attribute__((warn_unused_result, nonnull));

/* privs_daemonize - fork into the background, new session, stdio to /dev/null */
bool privs_daemonize(void) __attribute__((warn_unused_result));

#endif
