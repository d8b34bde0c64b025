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

bool privs_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errsz)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(err, errsz, "user '%s' does not exist", user);
		return false;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return true;
}

bool privs_drop(const char *user, const char *who, char *err, size_t errsz)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return true;
	if (user[0] == '\0') {
		snprintf(err, errsz, "refusing to run as root: set [%s] user to an unprivileged user", who);
		return false;
	}
	if (!privs_lookup(user, &uid, &gid, err, errsz))
		return false;
	if (uid == 0) {
		snprintf(err, errsz, "[%s] user = %s is root; name an unprivileged user", who, user);
		return false;
	}
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		snprintf(err, errsz, "cannot switch to user %s: %s", user, strerror(errno));
		return false;
	}
	/* Security: prove the drop is permanent. */
	if (setuid(0) == 0 || geteuid() == 0) {
		snprintf(err, errsz, "could regain root after switching to %s", user);
		return false;
	}
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
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return true;
}
