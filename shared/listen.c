/*
 * listen.c - listen specs and listening sockets (see listen.h).
 */
#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "caps.h"

const char *listen_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

static int listen_unix(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "listen: unix socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errsz, "listen: socket: %s", strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || chmod(path, 0660) != 0 || listen(fd, CAP_LISTEN_BACKLOG) != 0) {
		snprintf(err, errsz, "listen: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int listen_open(const char *spec, char *err, size_t errsz)
{
	char host[CAP_HOST_BYTES];
	const char *colon = strrchr(spec, ':'), *h = spec;
	size_t hlen;
	struct addrinfo hints, *res = NULL;
	int fd = -1, one = 1, rc;

	if (strncmp(spec, "unix:", 5) == 0)
		return listen_unix(spec + 5, err, errsz);
	if (colon == NULL) {
		snprintf(err, errsz, "listen: '%s' is not HOST:PORT", spec);
		return -1;
	}
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && hlen >= 2) {
		h = spec + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errsz, "listen: host too long");
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errsz, "listen: %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, CAP_LISTEN_BACKLOG) != 0) {
		snprintf(err, errsz, "listen: %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}
