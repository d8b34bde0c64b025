/*
 * record.h - the typed records otpd keeps (guests, invitations, sessions)
 * and their one binary codec.
 *
 * Every record the store holds for these three is written here, in one
 * versioned format per record: a version byte first, big-endian integers,
 * every string and list with an explicit length, nothing after the last
 * field. The store (LMDB or PostgreSQL) keeps the bytes opaque.
 *
 * Older stores: guests and invitations used to be JSON text (jansson), and
 * the first guest records were 8 bytes (the last sign-in); sessions were a
 * version-2 binary record with a NUL-terminated address. The decoders read
 * all of those (the JSON ones in record_legacy.c, the only JSON on this
 * path) and the encoders write only the current version, so a record moves
 * to the new format the first time it is written again.
 *
 *   guest v1:      u8 1, u8 flags (1 sign_in_mfa, 2 totp, 4 pending),
 *                  u64 last_sign_in, disabled_at, privacy_accepted_at, mfa_reset_at,
 *                  u8 n + sign_in, [totp: sealed, u64 last_step, u64 enrolled_at],
 *                  [pending: sealed, u64 created_at], u8 n + n recovery hashes,
 *                  u8 n + n { id[16], u64 redeemed_at, u8 flags (1 inviter, 2 id unknown),
 *                             [u8 n + inviter], u16 n + resource }
 *   invitation v1: u8 1, u16 has, u64 revoked_at (fixed place: /auth reads only it),
 *                  id[16], u64 guests, issued_at, expires_at, sent_at,
 *                  u8 n + kid, u16 n + inviter, u16 n + queue_id,
 *                  u16 n + n { u16 n + resource }, u16 n + n { u16 n + email, u64 at }
 *   invitation v2: as v1, each redeemer { u16 n + email, u64 at, u64 closed_at }
 *   session v3:    u8 3, u8 level, u64 created_at, u64 last_seen, u8 n + address,
 *                  u16 n + destination
 *
 * Adding a field: add it to the struct, write a new version (RECORD_GUEST_V2
 * …) that carries it, keep the decoder of the version before (filling the
 * field's "absent" value), bump the fuzz seeds and test_otpd_record.c.
 * Never change what a written version means.
 *
 * Security: the decoders take bytes from the database as untrusted: every
 * length is checked against what is left and against its cap (caps.h),
 * strings may not hold NUL, counts are capped, and a record with bytes
 * left over, an unknown version or an unknown flag is malformed (read as
 * absent by the callers). tests/fuzz/fuzz_record.c runs them.
 * Ownership: a decoded guest or invitation owns its strings (heap): free
 * them with record_guest_clear() / record_invitation_clear(). Encoders
 * write into a caller's struct buf (capped at CAP_RECORD_BYTES).
 */
#ifndef OTPD_RECORD_H
#define OTPD_RECORD_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "caps.h"
#include "token.h"
#include "totp.h"

#define RECORD_GUEST_V1 1
#define RECORD_INVITATION_V1 1	/* read only: redeemers without closed_at */
#define RECORD_INVITATION_V2 2
#define RECORD_SESSION_V2 2	/* read only: address NUL-terminated, the destination the rest */
#define RECORD_SESSION_V3 3

#define RECORD_SEALED_LEN (crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + TOTP_SECRET_LEN + \
			   crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define RECORD_RECOVERY_N 10		/* recovery codes a guest holds at most (mfa.h) */
#define RECORD_HASH_LEN 32		/* a recovery code's keyed hash */
#define RECORD_METHOD_BUF (sizeof("oidc:") + CAP_OIDC_NAME)	/* "code" or "oidc:NAME" */
#define RECORD_GUEST_INVITATIONS 64	/* the oldest are dropped past this */
#define RECORD_KID_MAX 64		/* an invitation report's key id text */
#define RECORD_TEXT_MAX 1024		/* an invitation report's inviter or queue id */

enum record_status {
	RECORD_OK,
	RECORD_MALFORMED,	/* not a record of any version we read */
	RECORD_NOMEM,
	RECORD_TOO_BIG,		/* encoding: past a cap */
};

/* --- guests ------------------------------------------------------------------------------------ */

struct guest_invitation {
	uint8_t id[TOKEN_ID_LEN];
	bool id_unknown;		/* an old record's id that was not 32 hex digits: matches nothing */
	uint64_t redeemed_at;		/* 0: not recorded */
	char *inviter;			/* NULL: redeemed before records named the inviter */
	char *resource;
};

struct guest_mfa {
	bool has_totp;			/* enrolled */
	uint8_t totp_secret[RECORD_SEALED_LEN];
	uint64_t totp_last_step;
	uint64_t totp_enrolled_at;
	bool has_pending;		/* a secret shown on /mfa/setup, not yet confirmed */
	uint8_t pending_secret[RECORD_SEALED_LEN];
	uint64_t pending_created_at;
	unsigned n_recovery;
	uint8_t recovery[RECORD_RECOVERY_N][RECORD_HASH_LEN];
};

struct guest {
	uint64_t last_sign_in;		/* 0: never a full sign-in */
	uint64_t disabled_at;		/* 0: enabled (lifecycle.h) */
	uint64_t privacy_accepted_at;	/* 0: not yet (privacy.h) */
	uint64_t mfa_reset_at;		/* 0: never (otpctl reset-mfa) */
	char sign_in[RECORD_METHOD_BUF];	/* "": not recorded (reads as "code") */
	bool sign_in_mfa;		/* the provider asserted MFA */
	struct guest_mfa mfa;
	size_t n_inv;			/* oldest first */
	struct guest_invitation inv[RECORD_GUEST_INVITATIONS];
};

/* A guest v1 record read in place: pointers into the bytes (valid while they are), strings not
 * NUL-terminated (use the lengths). */
struct guest_inv_view {
	const uint8_t *id;		/* TOKEN_ID_LEN bytes */
	bool id_unknown;
	unsigned flags;
	uint64_t redeemed_at;
	const char *inviter;		/* NULL: none */
	size_t inviter_len;
	const char *resource;
	size_t resource_len;
};

struct guest_view {
	unsigned flags;
	uint64_t last_sign_in, disabled_at, privacy_accepted_at, mfa_reset_at;
	const char *sign_in;
	size_t sign_in_len;
	const uint8_t *totp_secret;	/* NULL: not enrolled */
	uint64_t totp_last_step, totp_enrolled_at;
	const uint8_t *pending_secret;	/* NULL: nothing pending */
	uint64_t pending_created_at;
	unsigned n_recovery;
	const uint8_t *recovery;	/* n_recovery hashes of RECORD_HASH_LEN */
	size_t n_inv;
	struct guest_inv_view inv[RECORD_GUEST_INVITATIONS];
};

/* record_guest_view - a binary (v1) guest record in place, checked as record_guest_decode checks it, with
 * no allocation (/auth). MALFORMED for anything else, older formats included: decode those. */
enum record_status record_guest_view(const void *data, size_t len, struct guest_view *v)
	__attribute__((warn_unused_result, nonnull));
/* record_guest_decode - any version (binary, JSON, the 8-byte first form) into g (cleared first) */
enum record_status record_guest_decode(const void *data, size_t len, struct guest *g)
	__attribute__((warn_unused_result, nonnull));
/* record_guest_encode - g as the current version, appended to b */
enum record_status record_guest_encode(const struct guest *g, struct buf *b) __attribute__((warn_unused_result, nonnull));
/* record_guest_clear - free g's strings; g is an empty guest after */
void record_guest_clear(struct guest *g) __attribute__((nonnull));

/* --- invitations ------------------------------------------------------------------------------- */

enum invitation_has {
	INVITATION_HAS_KID = 1 << 0,
	INVITATION_HAS_INVITER = 1 << 1,
	INVITATION_HAS_RESOURCES = 1 << 2,
	INVITATION_HAS_GUESTS = 1 << 3,
	INVITATION_HAS_ISSUED_AT = 1 << 4,
	INVITATION_HAS_EXPIRES_AT = 1 << 5,
	INVITATION_HAS_QUEUE_ID = 1 << 6,
	INVITATION_HAS_SENT_AT = 1 << 7,
	INVITATION_HAS_REDEEMED = 1 << 8,
	INVITATION_HAS_REVOKED_AT = 1 << 9,
	INVITATION_HAS_ALL = (1 << 10) - 1,
};

struct invitation_redeemer {
	char *email;
	uint64_t at;
	uint64_t closed_at;		/* 0: open; else when the guest was disabled (the link stays refused) */
};

/* What a milter report, a token or a revocation said; has says which fields were said (otpctl prints
 * only those). */
struct invitation {
	uint8_t id[TOKEN_ID_LEN];
	unsigned has;			/* enum invitation_has */
	char *kid;
	char *inviter;
	char *queue_id;
	uint64_t guests, issued_at, expires_at, sent_at, revoked_at;
	size_t n_resources;
	char **resources;
	size_t n_redeemed;
	struct invitation_redeemer *redeemed;
};

/* record_invitation_decode - any version (binary or JSON) into inv (cleared first) */
enum record_status record_invitation_decode(const void *data, size_t len, struct invitation *inv)
	__attribute__((warn_unused_result, nonnull));
/* record_invitation_revoked - only the revocation of a record; MALFORMED if it is none we read */
enum record_status record_invitation_revoked(const void *data, size_t len, bool *revoked)
	__attribute__((warn_unused_result, nonnull));
enum record_status record_invitation_encode(const struct invitation *inv, struct buf *b)
	__attribute__((warn_unused_result, nonnull));
/* record_invitation_add_redeemer - (email, at) unless email is there already (its first time stays); false if
 * out of memory or CAP_GUESTS other addresses are there */
bool record_invitation_add_redeemer(struct invitation *inv, const char *email, uint64_t at)
	__attribute__((warn_unused_result, nonnull));
/* record_invitation_add_resource - append url; false if out of memory or past CAP_LINKS */
bool record_invitation_add_resource(struct invitation *inv, const char *url) __attribute__((warn_unused_result, nonnull));
void record_invitation_clear(struct invitation *inv) __attribute__((nonnull));

/* --- sessions ---------------------------------------------------------------------------------- */

struct session {
	uint8_t level;			/* enum session_level (session.h) */
	uint64_t created_at;
	uint64_t last_seen;
	char addr[ADDR_BUF];
	char dest[CAP_URL_BYTES + 1];	/* "" = the guest's latest resource */
};

/* record_session_decode - v3 or v2 into s; level is checked by the caller */
enum record_status record_session_decode(const void *data, size_t len, struct session *s)
	__attribute__((warn_unused_result, nonnull));
/* record_session_encode - s as v3 into out (RECORD_SESSION_MAX bytes); its length to *len */
#define RECORD_SESSION_MAX (1 + 1 + 8 + 8 + 1 + CAP_ADDR_BYTES + 2 + CAP_URL_BYTES)
enum record_status record_session_encode(const struct session *s, uint8_t out[RECORD_SESSION_MAX], size_t *len)
	__attribute__((warn_unused_result, nonnull));

/* --- the old JSON records (record_legacy.c) ---------------------------------------------------- */

enum record_status record_legacy_guest(const void *data, size_t len, struct guest *g)
	__attribute__((warn_unused_result, nonnull));
enum record_status record_legacy_invitation(const void *data, size_t len, struct invitation *inv)
	__attribute__((warn_unused_result, nonnull));
/* record_legacy_invitation_revoked - only "revoked_at" of a JSON invitation */
enum record_status record_legacy_invitation_revoked(const void *data, size_t len, bool *revoked)
	__attribute__((warn_unused_result, nonnull));

/* record_strdup - a copy of s[0..len) with a NUL, or NULL (used by record.c and record_legacy.c) */
char *record_strdup(const char *s, size_t len) __attribute__((warn_unused_result, nonnull));

#endif
