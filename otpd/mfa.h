/*
 * mfa.h - a guest's second factor: a TOTP secret (enrolment, checking) and
 * single-use recovery codes, kept inside the guest record (guest.h) as its
 * struct guest_mfa (record.h):
 *
 *   pending:  secret S, created_at        shown on /mfa/setup, not yet confirmed
 *   totp:     secret S, last_step, enrolled_at
 *   recovery: H, …                        one per unused recovery code
 * S = nonce || XChaCha20-Poly1305(secret, ad = address) under the totp
 * subkey of [keys] secret; H = BLAKE2b-256(recovery subkey, address || 0 ||
 * code).
 * Security: decrypted secrets live only in sodium_malloc'd memory and are
 * wiped; the address is the AEAD's associated data, so a secret copied to
 * another guest's record does not decrypt; a TOTP step is used once
 * (last_step); a recovery code is deleted when used; the codes are shown
 * once and never stored in clear.
 * Ownership: functions change the caller's record; the caller saves it.
 * struct mfa_recovery is sodium_malloc'd by mfa_confirm: free it with
 * mfa_recovery_free().
 */
#ifndef OTPD_MFA_H
#define OTPD_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "record.h"
#include "secrets.h"
#include "totp.h"

/* MFA_BIND_LEN - what a pending secret is bound to: the code session's database key (session.h) */
#define MFA_BIND_LEN 32

#define MFA_RECOVERY_N RECORD_RECOVERY_N
#define MFA_RECOVERY_CHARS 12		/* 31-letter alphabet: 59 bits each */
#define MFA_RECOVERY_BUF 15		/* "abcd-efgh-jkmn" + NUL */
#define MFA_PENDING_TTL (24 * 3600)	/* an unconfirmed secret is replaced after this */

enum mfa_result {
	MFA_OK,			/* a right TOTP code (its step is now used) */
	MFA_OK_RECOVERY,	/* a right recovery code (now spent) */
	MFA_WRONG,		/* wrong or malformed */
	MFA_REPLAYED,		/* a TOTP code of a step already used */
	MFA_NOT_READY,		/* nothing to check against (not enrolled / nothing pending) */
	MFA_ERROR,		/* out of memory, libcrypto, a record that does not decrypt */
};

struct mfa_recovery {
	char code[MFA_RECOVERY_N][MFA_RECOVERY_BUF];
};

/* mfa_enrolled - has the guest a confirmed TOTP secret? */
bool mfa_enrolled(const struct guest *rec) __attribute__((nonnull));

/* mfa_recovery_left - unused recovery codes */
unsigned mfa_recovery_left(const struct guest *rec) __attribute__((nonnull));

/* mfa_begin - the pending secret of the session bind (made, and *changed set, if none, too old, or made for
 * another session: it replaces that one); its base32 to b32 */
bool mfa_begin(struct guest *rec, const struct secrets *keys, const char *addr, const uint8_t bind[MFA_BIND_LEN],
	       uint64_t now, char b32[TOTP_B32_BUF], bool *changed) __attribute__((warn_unused_result, nonnull));

/* mfa_confirm - a code for the pending secret of the session bind (another session's: MFA_WRONG): on MFA_OK
 * the guest is enrolled, *out holds 10 new codes */
enum mfa_result mfa_confirm(struct guest *rec, const struct secrets *keys, const char *addr,
			    const uint8_t bind[MFA_BIND_LEN], const char *input, uint64_t now, struct mfa_recovery **out)
	__attribute__((warn_unused_result, nonnull));

/* mfa_check - a TOTP code or a recovery code of an enrolled guest */
enum mfa_result mfa_check(struct guest *rec, const struct secrets *keys, const char *addr, const char *input,
			  uint64_t now) __attribute__((warn_unused_result, nonnull));

/* mfa_renew_recovery - input (a TOTP code or a recovery code) checked like mfa_check; on MFA_OK or
 * MFA_OK_RECOVERY the old recovery codes are replaced, *out holds the 10 new ones */
enum mfa_result mfa_renew_recovery(struct guest *rec, const struct secrets *keys, const char *addr, const char *input,
				   uint64_t now, struct mfa_recovery **out) __attribute__((warn_unused_result, nonnull));

/* mfa_reset - forget secret, pending secret and recovery codes */
void mfa_reset(struct guest *rec) __attribute__((nonnull));

/* mfa_uri - otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 */
bool mfa_uri(struct buf *b, const char *issuer, const char *account, const char *b32)
	__attribute__((warn_unused_result, nonnull));

/* mfa_recovery_well_formed - 12 letters of the alphabet once spaces and dashes are gone, lower-cased */
bool mfa_recovery_well_formed(const char *in, char out[MFA_RECOVERY_CHARS + 1])
	__attribute__((warn_unused_result, nonnull));

struct mfa_recovery *mfa_recovery_free(struct mfa_recovery *r);

#endif
