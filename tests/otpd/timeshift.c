/* timeshift.c - LD_PRELOAD shim for the findings: time() runs RT_TIME_OFFSET seconds ahead (nothing else). */
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
	t = ts.tv_sec + (off ? atol(off) : 0);
	if (out)
		*out = t;
	return t;
}
