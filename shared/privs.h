/*
 * privs.h - drop root and become a daemon, the way Postfix's single_server does.
 *
 * Call order in a daemon: open sockets, database and key files; then
 * privs_drop(); then start threads.
 */
#ifndef GUESTLINK_PRIVS_H
#define GUESTLINK_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* privs_lookup - uid and gid of a user name; false with a reason */
bool privs_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* privs_drop - as root: setgroups, setresgid, setresuid to the user, each checked, and verify
 * root cannot be regained. Not root: nothing to do. Root with no user: refused (false). */
bool privs_drop(const char *user, const char *who, char *err, size_t errsz)
	__attribute__((warn_unused_result, nonnull));

/* privs_daemonize - fork into the background, new session, stdio to /dev/null */
bool privs_daemonize(void) __attribute__((warn_unused_result));

#endif
