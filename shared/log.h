/*
 * log.h - the one logging API of guestlink.
 *
 * Levels have fixed meanings (as Postfix msg(3)):
 *   info   something happened that an admin may want to count;
 *   warn   something is wrong but we carry on;
 *   error  this request/message failed, the daemon carries on;
 *   fatal  we cannot continue: logs and exits 1;
 *   panic  our own bug: logs and aborts.
 * Each has an _errno twin that appends ": strerror(errno)".
 *
 * Lines are key=value, one event a line; the logger adds "level=...".
 * Security: never pass a code, token, session id, cookie or key here.
 *
 * Output goes to stderr (foreground, tests) or syslog (LOG_MAIL). The level
 * filter is inside the logger; call sites never test the level.
 */
#ifndef GUESTLINK_LOG_H
#define GUESTLINK_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR, LOG_LEVEL_FATAL, LOG_LEVEL_PANIC };

enum log_sink { LOG_SINK_STDERR, LOG_SINK_SYSLOG };

void log_open(const char *ident, enum log_sink sink, enum log_level min) __attribute__((nonnull));

#define LOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void log_panic(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

void log_info_errno(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn_errno(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error_errno(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_fatal_errno(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
