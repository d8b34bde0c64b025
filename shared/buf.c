/*
 * buf.c - capped growable byte buffers (see buf.h).
 *
 * Failure: an append past the cap or out of memory returns false and leaves
 * the contents untouched; callers decide whether that is a tempfail or a
 * "too large" answer.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf *buf_new(size_t max)
{
	struct buf *b = malloc(sizeof(*b));

	if (b != NULL)
		buf_init(b, max);
	return b;
}

struct buf *buf_free(struct buf *b)
{
	if (b != NULL) {
		buf_release(b);
		free(b);
	}
	return NULL;
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* buf_reserve - make room for n more bytes and the NUL, within the cap */
static bool buf_reserve(struct buf *b, size_t n)
{
	size_t need, size;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return false;
	need = b->len + n + 1;
	if (need <= b->size)
		return true;
	size = b->size ? b->size : 256;
	while (size < need)
		size = size > ((size_t)-1) / 2 ? need : size * 2;
	if (size > b->max + 1)
		size = b->max + 1;
	p = realloc(b->data, size);
	if (p == NULL)
		return false;
	b->data = p;
	b->size = size;
	return true;
}

bool buf_append(struct buf *b, const void *p, size_t n)
{
	/* Fast path: room already there (the common case on hot loops). */
	if (b->len + n < b->size && n <= b->max - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return true;
	}
	if (!buf_reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool buf_grow(struct buf *b, size_t n)
{
	return buf_reserve(b, n);
}

void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}

bool buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

bool buf_putc(struct buf *b, char c)
{
	if (b->len + 1 < b->size && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return true;
	}
	return buf_append(b, &c, 1);
}

bool buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *p;

	if (b->data == NULL && !buf_reserve(b, 0))
		return NULL;
	p = b->data;
	if (len != NULL)
		*len = b->len;
	buf_init(b, b->max);
	return p;
}
