/*
 * timeshift.c - LD_PRELOAD shim for tests that move otpd's clock by days
 * (t-revoke-kept.sh): time() runs RT_TIME_OFFSET seconds ahead; nothing else
 * changes. Built by the test that uses it.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

time_t time(time_t *out)
{
	struct timespec ts;
	const char *off = getenv("RT_TIME_OFFSET");
	time_t t;

	syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
	t = ts.tv_sec + (off != NULL ? (time_t)strtoll(off, NULL, 10) : 0);
	if (out != NULL)
		*out = t;
	return t;
}
