/*
 * cidr.c - parse and match IPv4/IPv6 networks with inet_pton(3).
 *
 * Failure: cidr_parse() returns false for anything that is not exactly an
 * address with an optional /prefix within the family's width.
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "caps.h"

/* parse_prefix - decimal 0..max with no sign, no spaces */
static bool parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static void clear_host_bits(uint8_t *addr, size_t len, unsigned prefix)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= prefix)
			addr[i] = 0;
		else if (prefix - bit < 8)
			addr[i] &= (uint8_t)(0xff << (8 - (prefix - bit)));
	}
}

bool cidr_parse(const char *text, struct cidr *out)
{
	char host[CAP_IP_TEXT_BYTES];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;

	if (hlen == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return false;
	}
	out->prefix = max;
	if (slash != NULL && !parse_prefix(slash + 1, max, &out->prefix))
		return false;
	clear_host_bits(out->addr, max / 8, out->prefix);
	return true;
}

static bool cidr_contains(const struct cidr *c, int family, const uint8_t *addr)
{
	uint8_t masked[16];
	size_t len = family == AF_INET ? 4 : 16;

	if (c->family != family)
		return false;
	memcpy(masked, addr, len);
	clear_host_bits(masked, len, c->prefix);
	return memcmp(masked, c->addr, len) == 0;
}

/* list_match_bin - match a binary address, folding v4-mapped v6 to v4 */
static bool list_match_bin(const struct cidr_list *list, int family, const uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (family == AF_INET6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
		family = AF_INET;
		addr += 12;
	}
	for (size_t i = 0; i < list->n; i++)
		if (cidr_contains(&list->items[i], family, addr))
			return true;
	return false;
}

bool cidr_list_match(const struct cidr_list *list, const char *addr)
{
	uint8_t bin[16];
	char host[CAP_IP_TEXT_BYTES];
	size_t len = strlen(addr);

	/* Postfix and libmilter may bracket or prefix IPv6 addresses. */
	if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
		addr++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return false;
	memcpy(host, addr, len);
	host[len] = '\0';
	if (strncmp(host, "IPv6:", 5) == 0)
		memmove(host, host + 5, len - 4);
	if (inet_pton(AF_INET, host, bin) == 1)
		return list_match_bin(list, AF_INET, bin);
	if (inet_pton(AF_INET6, host, bin) == 1)
		return list_match_bin(list, AF_INET6, bin);
	return false;
}

bool cidr_list_match_sa(const struct cidr_list *list, const struct sockaddr *sa)
{
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

		return list_match_bin(list, AF_INET, (const uint8_t *)&sin->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

		return list_match_bin(list, AF_INET6, sin6->sin6_addr.s6_addr);
	}
	return false;
}
