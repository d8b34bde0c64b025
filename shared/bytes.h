/*
 * bytes.h - big-endian integers in byte buffers (tokens, LMDB records).
 *
 * One definition for every record format of the project, so all of them
 * agree on byte order. Header-only: these are on hot paths and tiny.
 */
#ifndef GUESTLINK_BYTES_H
#define GUESTLINK_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* be_get - the n-byte (n <= 8) big-endian integer at p */
static inline uint64_t be_get(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

/* be_put - v as an n-byte (n <= 8) big-endian integer at p */
static inline void be_put(void *p, uint64_t v, size_t n)
{
	uint8_t *b = p;

	for (size_t i = n; i-- > 0; v >>= 8)
		b[i] = (uint8_t)v;
}

#endif
