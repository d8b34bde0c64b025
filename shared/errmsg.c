/*
 * errmsg.c - see errmsg.h. Never fails: vsnprintf truncates into errsz.
 */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

bool errmsg_set(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return false;
}
