/*
 * buf.h - a growable byte buffer with a hard cap set at creation.
 *
 * Modelled on curl's dynbuf: every buffer knows the most it may hold (a CAP_
 * from caps.h), and an append that would pass it fails and leaves the buffer
 * as it was. The data is always NUL-terminated (not counted in len), so text
 * can be handed to C string functions.
 *
 * Ownership: buf_new() returns a buffer the caller owns; buf_free() frees it
 * and returns NULL, so "b = buf_free(b);" clears the pointer.
 */
#ifndef GUESTLINK_BUF_H
#define GUESTLINK_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;	/* len bytes, then a NUL */
	size_t len;
	size_t size;	/* allocated */
	size_t max;	/* hard cap on len */
};

#define BUF_WUR __attribute__((warn_unused_result))

struct buf *buf_new(size_t max) BUF_WUR;
struct buf *buf_free(struct buf *b);
void buf_init(struct buf *b, size_t max) __attribute__((nonnull));
void buf_release(struct buf *b) __attribute__((nonnull));
void buf_reset(struct buf *b) __attribute__((nonnull));

/* All appends return false (and change nothing) when the cap or memory runs out. */
bool buf_append(struct buf *b, const void *p, size_t n) BUF_WUR __attribute__((nonnull(1)));
bool buf_puts(struct buf *b, const char *s) BUF_WUR __attribute__((nonnull));
bool buf_putc(struct buf *b, char c) BUF_WUR __attribute__((nonnull));
bool buf_printf(struct buf *b, const char *fmt, ...) BUF_WUR
	__attribute__((nonnull(1, 2), format(printf, 2, 3)));

/*
 * buf_grow - room for n more bytes (and the NUL) within the cap, without
 * changing len: a writer that knows its worst case writes at data + len and
 * then calls buf_commit(). For loops that would otherwise append per byte.
 */
bool buf_grow(struct buf *b, size_t n) BUF_WUR __attribute__((nonnull));
/* buf_commit - n bytes written at data + len (after buf_grow(n) or more) now count */
void buf_commit(struct buf *b, size_t n) __attribute__((nonnull));

/* buf_steal - hand the data (NUL-terminated, malloc'd) to the caller; the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len) BUF_WUR __attribute__((nonnull(1)));

#endif
