/*
 * pages_words.h - the pages' texts, Dutch and English (pages_words.c), for
 * pages.c's layout. Private to the two files.
 */
#ifndef OTPD_PAGES_WORDS_H
#define OTPD_PAGES_WORDS_H

#include "lang.h"
#include "pages.h"

struct words {
	const char *title, *invited_by, *to, *ask_email, *email_label, *send_code, *code_sent, *code_label,
		*sign_in, *wrong_code, *new_code, *limited, *signed_in, *signed_in_title, *continue_to, *bad_link, *expired_link,
		*revoked_link, *bad_request, *unavailable, *not_found, *other_lang, *code_help;
	/* returning guests */
	const char *login_title, *login_ask, *login_sent, *code_ok_setup, *code_ok_verify, *go_on;
	/* MFA */
	const char *setup_title, *setup_intro, *setup_steps[3], *no_scan, *open_app, *key_label, *totp_label,
		*confirm, *wrong_totp, *done_title, *done_intro, *done_continue, *verify_title, *verify_intro,
		*verify_label, *mfa_limited, *need_signin, *sign_in_again, *already, *no_resource, *recovery_left,
		*qr_label;
	/* organisation sign-in */
	const char *ask_email_idp, *login_ask_idp, *code_instead, *idp_title, *try_again,
		*problem[PROBLEM_NO_ACCESS + 1];
	/* the link in the code mail */
	const char *key_ask;
	/* lifecycle */
	const char *disabled_title, *disabled;
	/* the guest's own page */
	const char *account_title, *account_as, *res_h, *no_res, *method_h, *method_code, *method_code_totp,
		*method_oidc, *lapse_h, *lapse, *lapse_never, *leave_h, *leave_text, *leave_confirm, *leave_button,
		*leave_unconfirmed, *left_title, *left, *renew_h, *renew_text, *renew_button, *renew_title,
		*renew_intro, *back_account, *auth_h, *auth_text, *auth_mail, *auth_title, *auth_sent, *auth_email_label,
		*auth_button, *auth_wrong;
	/* privacy before consent */
	const char *privacy_title, *privacy_intro, *privacy_items[5], *privacy_inactive, *privacy_no_inactive,
		*privacy_delete, *privacy_keep, *privacy_leave, *privacy_audit, *privacy_link, *privacy_accept;
};

extern const struct words pages_words[LANG_N];

#endif
