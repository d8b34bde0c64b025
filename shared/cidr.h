/*
 * cidr.h - lists of IPv4/IPv6 networks ("127.0.0.1/32 ::1/128 10.0.0.0/8").
 *
 * Used for the milter's trusted_networks and otpd's trusted_proxies.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 networks.
 * Ownership: cidr_list_parse() fills a caller-owned fixed-size list; no heap.
 */
#ifndef GUESTLINK_CIDR_H
#define GUESTLINK_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network address, host bits cleared */
	unsigned prefix;	/* prefix length in bits */
};

struct cidr_list {
	size_t n;
	struct cidr items[CAP_LIST_ITEMS];
};

/* cidr_parse - one "addr[/len]"; a bare address means a host. */
bool cidr_parse(const char *text, struct cidr *out) __attribute__((warn_unused_result, nonnull));

/* cidr_list_match - is the textual address inside any network of the list? */
bool cidr_list_match(const struct cidr_list *list, const char *addr) __attribute__((nonnull));

/* cidr_list_match_sa - the same for a socket address (AF_INET/AF_INET6; anything else: false) */
struct sockaddr;
bool cidr_list_match_sa(const struct cidr_list *list, const struct sockaddr *sa) __attribute__((nonnull(1)));

#endif
