/*
 * log.c - key=value logging to stderr or syslog.
 *
 * Thread-safe: one line is formatted into a local buffer and written with a
 * single write(2) (stderr) or syslog(3) call, so lines from threads never
 * interleave. Lines longer than the buffer are cut, never split.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static const char *log_ident = "guestlink";
static enum log_sink log_sink_kind = LOG_SINK_STDERR;
static enum log_level log_min = LOG_LEVEL_INFO;

static const char *const level_names[] = { "info", "warn", "error", "fatal", "panic" };
static const int level_prio[] = { LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT, LOG_ALERT };

void log_open(const char *ident, enum log_sink sink, enum log_level min)
{
	log_ident = ident;
	log_sink_kind = sink;
	log_min = min;
	if (sink == LOG_SINK_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_emit - format one line and hand it to the sink */
static void log_emit(enum log_level level, int errnum, const char *fmt, va_list ap)
	LOG_PRINTF(3, 0);
static void log_emit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len = 0;
	int n;

	if (level < log_min)
		return;
	if (log_sink_kind == LOG_SINK_STDERR) {
		n = snprintf(line, sizeof(line), "%s[%ld]: ", log_ident, (long)getpid());
		len = n > 0 ? (size_t)n : 0;
	}
	n = snprintf(line + len, sizeof(line) - len, "level=%s ", level_names[level]);
	len += n > 0 ? (size_t)n : 0;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		len += n > 0 ? (size_t)n : 0;
	}
	if (errnum != 0 && len < sizeof(line)) {
		n = snprintf(line + len, sizeof(line) - len, " errno=\"%s\"", strerror(errnum));
		len += n > 0 ? (size_t)n : 0;
	}
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	if (log_sink_kind == LOG_SINK_SYSLOG) {
		line[len] = '\0';
		syslog(level_prio[level], "%s", line);
	} else {
		line[len++] = '\n';
		/* One write per line; a short write to stderr is not worth a retry loop. */
		if (write(STDERR_FILENO, line, len) < 0)
			return;
	}
}

#define LOG_FN(name, level, use_errno)				\
	void name(const char *fmt, ...)				\
	{							\
		int saved = errno;				\
		va_list ap;					\
		va_start(ap, fmt);				\
		log_emit(level, use_errno ? saved : 0, fmt, ap);\
		va_end(ap);					\
		errno = saved;					\
	}

LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_warn, LOG_LEVEL_WARN, 0)
LOG_FN(log_error, LOG_LEVEL_ERROR, 0)
LOG_FN(log_info_errno, LOG_LEVEL_INFO, 1)
LOG_FN(log_warn_errno, LOG_LEVEL_WARN, 1)
LOG_FN(log_error_errno, LOG_LEVEL_ERROR, 1)

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_FATAL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void log_fatal_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_FATAL, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LEVEL_PANIC, 0, fmt, ap);
	va_end(ap);
	abort();
}
