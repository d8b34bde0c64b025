/*
 * privs.c - privilege dropping and daemonizing (see privs.h).
 *
 * Failure: every step is checked; a daemon that cannot drop root must not
 * start, so callers treat false as fatal.
 */
#define _GNU_SOURCE
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "errmsg.h"

bool privs_resolve(const char *user, const char *who, struct privs_user *u, char *err, size_t errsz)
{
	struct passwd pw, *res = NULL;
	char buf[CAP_PASSWD_BYTES];
	bool root = geteuid() == 0;
	int rc;

	memset(u, 0, sizeof(*u));
	if (user[0] == '\0') {
		if (root)
			return errmsg_set(err, errsz, "refusing to run as root: set [%s] user to an unprivileged user",
					  who);
		return true;
	}
	rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (rc != 0)
		return errmsg_set(err, errsz, "[%s] user %s: cannot look it up: %s", who, user, strerror(rc));
	if (res == NULL)
		return errmsg_set(err, errsz, "[%s] user %s: no such user ('%s' does not exist)", who, user, user);
	/* Security: by uid, not by name: any uid 0 account is root. */
	if (pw.pw_uid == 0)
		return errmsg_set(err, errsz, "[%s] user = %s is root; name an unprivileged user", who, user);
	u->drop = root;
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	return true;
}

bool privs_switch(const struct privs_user *u, char *err, size_t errsz)
{
	uid_t r, e, s;

	if (!u->drop)
		return true;
	if (setgroups(1, &u->gid) != 0)
		return errmsg_set(err, errsz, "cannot drop privileges: setgroups: %s", strerror(errno));
	if (setresgid(u->gid, u->gid, u->gid) != 0)
		return errmsg_set(err, errsz, "cannot drop privileges: setresgid: %s", strerror(errno));
	if (setresuid(u->uid, u->uid, u->uid) != 0)
		return errmsg_set(err, errsz, "cannot drop privileges: setresuid: %s", strerror(errno));
	/* Security: prove the drop is permanent: every uid is the user's and root cannot come back. */
	if (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid || s != u->uid || setuid(0) == 0 ||
	    geteuid() == 0)
		return errmsg_set(err, errsz, "cannot drop privileges: root could be regained after switching to uid %lu",
				  (unsigned long)u->uid);
	return true;
}

bool privs_daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return false;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return false;
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return false;
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		return false;
	if (fd > STDERR_FILENO)
		close(fd);
	return true;
}
