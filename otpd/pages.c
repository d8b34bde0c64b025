/*
 * pages.c - page templates (see pages.h). Texts are tables per language;
 * the layout is one function per part of a page.
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "mfa.h"
#include "text.h"

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

static const struct words words[LANG_N] = {
	[LANG_EN] = {
		.title = "Accept your invitation",
		.invited_by = "invited you to",
		.to = "",
		.ask_email = "Type the email address this invitation was sent to. We will mail you an 8-digit code.",
		.email_label = "Email address",
		.send_code = "Send me a code",
		.code_sent = "If this address was invited, a code is on its way. It can take a minute; "
			     "look in your spam folder too. The code is valid for a few minutes and works once.",
		.code_label = "8-digit code",
		.sign_in = "Sign in",
		.wrong_code = "That code is wrong, too old, or already used. Check the latest mail, "
			      "or ask for a new code.",
		.new_code = "Send me a new code",
		.limited = "Too many tries. Use the link in the latest code mail, or wait a while and ask for a new "
			   "code. If this keeps happening, "
			   "ask the person who invited you to send the invitation again.",
		.signed_in = "You are signed in.",
		.signed_in_title = "Signed in",
		.continue_to = "Continue to",
		.bad_link = "This link is not valid. Check that you copied all of it, or ask the person who "
			    "invited you to send it again.",
		.expired_link = "This invitation has expired. Ask the person who invited you to send a new one.",
		.revoked_link = "This invitation was withdrawn. Ask the person who invited you if you need access.",
		.bad_request = "This form has expired or did not come from this page. Open the link from your "
			       "invitation again.",
		.unavailable = "Something went wrong on our side. Please try again in a few minutes.",
		.not_found = "This page does not exist.",
		.other_lang = "Nederlands",
		.code_help = "Type the 8 digits from the mail.",
		.login_title = "Sign in",
		.login_ask = "Type your email address. We will mail you an 8-digit code.",
		.login_sent = "If this address can sign in here, a code is on its way. It can take a minute; "
			      "look in your spam folder too. The code is valid for a few minutes and works once.",
		.code_ok_setup = "Code accepted. Next, set up an authenticator app on your phone: it takes a minute "
				 "and is needed once.",
		.code_ok_verify = "Code accepted. Next, confirm with the code from your authenticator app.",
		.go_on = "Continue",
		.setup_title = "Set up your authenticator app",
		.setup_intro = "From now on you sign in with a code from an authenticator app as well. Any app works, "
			       "for example Microsoft Authenticator, Google Authenticator or FreeOTP.",
		.setup_steps = { "Open the app and add an account (often a + button).",
				 "Scan this QR code with the app.",
				 "Type the 6-digit code the app shows and press Confirm." },
		.no_scan = "On this phone, or cannot scan? Open the link in your app, or type the key by hand "
			   "(time-based, 6 digits, 30 seconds).",
		.open_app = "Open in authenticator app",
		.key_label = "Key",
		.totp_label = "6-digit code from the app",
		.confirm = "Confirm",
		.wrong_totp = "That code is not right, or was already used. Check that your phone's clock is "
			      "correct and type the code the app shows now.",
		.done_title = "Save your recovery codes",
		.done_intro = "Your authenticator app is set up. If you lose your phone, each of these codes lets you "
			      "sign in once instead of the app. Print them or keep them in a password manager: "
			      "they are shown only now.",
		.done_continue = "I saved them, continue",
		.verify_title = "Confirm it is you",
		.verify_intro = "Type the 6-digit code from your authenticator app. Lost your phone? Type one of your "
				"recovery codes instead.",
		.verify_label = "Code from the app, or a recovery code",
		.mfa_limited = "Too many tries. Wait a while and sign in again.",
		.need_signin = "You are not signed in, or your sign-in has expired.",
		.sign_in_again = "Sign in",
		.already = "You are signed in.",
		.no_resource = "You are signed in, but none of your invitations is valid any more. Ask the person "
			       "who invited you to send a new one.",
		.recovery_left = "You used a recovery code. Codes left: %u. Lost your phone? Ask the administrator "
				 "to reset your authenticator, then set it up again.",
		.qr_label = "QR code for your authenticator app",
		.ask_email_idp = "Type the email address this invitation was sent to. If your organisation's sign-in "
				 "works here, you go there next; otherwise we mail you an 8-digit code.",
		.login_ask_idp = "Type your email address. If your organisation's sign-in works here, you go there "
				 "next; otherwise we mail you an 8-digit code.",
		.code_instead = "Email me a code instead",
		.idp_title = "Sign in with your organisation",
		.try_again = "Try again",
		.problem = {
			[PROBLEM_STALE] = "The sign-in took too long or was already used. Start again: open the link "
					  "from your invitation (or the sign-in page) once more.",
			[PROBLEM_NOT_INVITED] = "Your university account is not one of the invited addresses. Sign in "
						"with the account the invitation was sent to, or get a code by email.",
			[PROBLEM_UNVERIFIED] = "Your organisation does not confirm the email address of this account, "
					       "so it cannot be used here. Get a code by email instead.",
			[PROBLEM_FAILED] = "The answer from your organisation's sign-in did not pass our checks, so you "
					   "are not signed in. Try again, or get a code by email.",
			[PROBLEM_PROVIDER_DOWN] = "Your organisation's sign-in cannot be reached right now. Try again "
						  "later, or get a code by email.",
			[PROBLEM_CANCELLED] = "The sign-in at your organisation was cancelled or refused. Try again, "
					      "or get a code by email.",
			[PROBLEM_NO_ACCESS] = "You signed in at your organisation, but this account has no valid "
					      "invitation here. Ask the person who invited you to send a new one.",
		},
		.key_ask = "You opened the link from your code mail. Type the email address the mail went to, "
			   "then sign in.",
		.disabled_title = "Your guest access is disabled",
		.disabled = "You have not signed in for a long time, so your guest access was switched off. "
			    "Ask the person who invited you to send the invitation again: with the new invitation "
			    "you can sign in as before.",
		.account_title = "Your guest account",
		.account_as = "Signed in as",
		.res_h = "What you can reach",
		.no_res = "None of your invitations is valid any more.",
		.method_h = "How you sign in",
		.method_code = "A code mailed to you.",
		.method_code_totp = "A code mailed to you, then the code from your authenticator app.",
		.method_oidc = "With the account of your own organisation.",
		.lapse_h = "When your access lapses",
		.lapse = "If you do not sign in, your access is switched off on %s (UTC). Each sign-in moves this date.",
		.lapse_never = "Your access does not lapse when unused.",
		.leave_h = "Leave",
		.leave_text = "Delete your guest account and what is kept about you: your address, invitations, "
			      "authenticator secret, recovery codes and sign-in times. You are signed out everywhere. "
			      "Only the audit trail stays, as the privacy statement says. To come back you need a new invitation.",
		.leave_confirm = "Yes, delete my guest account",
		.leave_button = "Delete my guest account",
		.leave_unconfirmed = "Tick the box to confirm that you want to delete your guest account.",
		.left_title = "Your guest account is deleted",
		.left = "Your guest account and what was kept about you are deleted, and you are signed out "
			"everywhere. Only the audit trail stays, for %u days.",
		.renew_h = "New recovery codes",
		.renew_text = "Used some, or lost them? Type the code from your authenticator app (or one of your "
			      "recovery codes) to get 10 new ones. The old ones stop working.",
		.renew_button = "Make new recovery codes",
		.renew_title = "Your new recovery codes",
		.renew_intro = "Your old recovery codes no longer work. If you lose your phone, each of these codes lets "
			       "you sign in once instead of the app. Print them or keep them in a password manager: they "
			       "are shown only now.",
		.back_account = "Back to your guest account",
		.auth_h = "A new authenticator",
		.auth_text = "New phone? Confirm with the code from your current app (or a recovery code) and a code "
			     "we mail you, then set up the new app.",
		.auth_mail = "Email me a code",
		.auth_title = "Set up a new authenticator",
		.auth_sent = "A code is on its way to your email address. Type it below, with the code from your "
			     "current app or one of your recovery codes.",
		.auth_email_label = "8-digit code from the mail",
		.auth_button = "Continue to the new app",
		.auth_wrong = "One of the codes is not right, too old, or already used. Check the latest mail and "
			      "the code your app shows now.",
		.privacy_title = "What we keep about you",
		.privacy_intro = "Before you continue: to give you guest access we keep",
		.privacy_items = { "your email address;",
				   "the invitations you accepted (who invited you, to what, and when);",
				   "the secret of your authenticator app (encrypted) and your recovery codes (hashed);",
				   "when and how you signed in;",
				   "an audit trail of sign-ins and changes to your guest account." },
		.privacy_inactive = "If you do not sign in for %u days, your access is switched off.",
		.privacy_no_inactive = "Your access is not switched off when unused.",
		.privacy_delete = "A guest account that stays switched off for %u days is deleted.",
		.privacy_keep = "In any case your guest account is deleted %u days after its last change.",
		.privacy_leave = "You can delete your guest account yourself at any time, on the page Your guest account (/account).",
		.privacy_audit = "The audit trail is kept for %u days, also after your guest account is deleted.",
		.privacy_link = "The privacy statement of the organisation",
		.privacy_accept = "I understand, continue",
	},
	[LANG_NL] = {
		.title = "Accepteer je uitnodiging",
		.invited_by = "heeft je uitgenodigd voor",
		.to = "",
		.ask_email = "Typ het e-mailadres waar deze uitnodiging naartoe is gestuurd. We mailen je een "
			     "code van 8 cijfers.",
		.email_label = "E-mailadres",
		.send_code = "Stuur me een code",
		.code_sent = "Als dit adres is uitgenodigd, is er een code onderweg. Dat kan een minuut duren; "
			     "kijk ook in je spammap. De code is een paar minuten geldig en werkt \xc3\xa9\xc3\xa9n keer.",
		.code_label = "Code van 8 cijfers",
		.sign_in = "Inloggen",
		.wrong_code = "Die code klopt niet, is te oud of is al gebruikt. Kijk in de nieuwste mail, "
			      "of vraag een nieuwe code aan.",
		.new_code = "Stuur me een nieuwe code",
		.limited = "Te veel pogingen. Gebruik de link in de nieuwste codemail, of wacht even en vraag een "
			   "nieuwe code aan. Blijft dit gebeuren, "
			   "vraag dan degene die je uitnodigde om de uitnodiging opnieuw te sturen.",
		.signed_in = "Je bent ingelogd.",
		.signed_in_title = "Ingelogd",
		.continue_to = "Verder naar",
		.bad_link = "Deze link is niet geldig. Controleer of je hem helemaal hebt gekopieerd, of vraag "
			    "degene die je uitnodigde om hem opnieuw te sturen.",
		.expired_link = "Deze uitnodiging is verlopen. Vraag degene die je uitnodigde om een nieuwe.",
		.revoked_link = "Deze uitnodiging is ingetrokken. Vraag degene die je uitnodigde als je toegang nodig hebt.",
		.bad_request = "Dit formulier is verlopen of kwam niet van deze pagina. Open de link uit je "
			       "uitnodiging opnieuw.",
		.unavailable = "Er ging bij ons iets mis. Probeer het over een paar minuten opnieuw.",
		.not_found = "Deze pagina bestaat niet.",
		.other_lang = "English",
		.code_help = "Typ de 8 cijfers uit de mail.",
		.login_title = "Inloggen",
		.login_ask = "Typ je e-mailadres. We mailen je een code van 8 cijfers.",
		.login_sent = "Als dit adres hier kan inloggen, is er een code onderweg. Dat kan een minuut duren; "
			      "kijk ook in je spammap. De code is een paar minuten geldig en werkt \xc3\xa9\xc3\xa9n keer.",
		.code_ok_setup = "Code klopt. Stel nu een authenticator-app in op je telefoon: dat duurt een minuut "
				 "en hoeft maar \xc3\xa9\xc3\xa9n keer.",
		.code_ok_verify = "Code klopt. Bevestig nu met de code uit je authenticator-app.",
		.go_on = "Verder",
		.setup_title = "Stel je authenticator-app in",
		.setup_intro = "Vanaf nu log je ook in met een code uit een authenticator-app. Elke app werkt, "
			       "bijvoorbeeld Microsoft Authenticator, Google Authenticator of FreeOTP.",
		.setup_steps = { "Open de app en voeg een account toe (vaak een +-knop).",
				 "Scan deze QR-code met de app.",
				 "Typ de code van 6 cijfers die de app toont en kies Bevestigen." },
		.no_scan = "Op deze telefoon, of lukt scannen niet? Open de link in je app, of typ de sleutel over "
			   "(tijdgebaseerd, 6 cijfers, 30 seconden).",
		.open_app = "Open in authenticator-app",
		.key_label = "Sleutel",
		.totp_label = "Code van 6 cijfers uit de app",
		.confirm = "Bevestigen",
		.wrong_totp = "Die code klopt niet, of is al gebruikt. Controleer of de klok van je telefoon goed "
			      "staat en typ de code die de app nu toont.",
		.done_title = "Bewaar je herstelcodes",
		.done_intro = "Je authenticator-app is ingesteld. Raak je je telefoon kwijt, dan kun je met elk van "
			      "deze codes \xc3\xa9\xc3\xa9n keer inloggen in plaats van met de app. Print ze of bewaar ze in "
			      "een wachtwoordmanager: je ziet ze alleen nu.",
		.done_continue = "Opgeslagen, ga verder",
		.verify_title = "Bevestig dat jij het bent",
		.verify_intro = "Typ de code van 6 cijfers uit je authenticator-app. Telefoon kwijt? Typ dan een van "
				"je herstelcodes.",
		.verify_label = "Code uit de app, of een herstelcode",
		.mfa_limited = "Te veel pogingen. Wacht even en log opnieuw in.",
		.need_signin = "Je bent niet ingelogd, of je inlog is verlopen.",
		.sign_in_again = "Inloggen",
		.already = "Je bent ingelogd.",
		.no_resource = "Je bent ingelogd, maar geen van je uitnodigingen is nog geldig. Vraag degene die je "
			       "uitnodigde om een nieuwe.",
		.recovery_left = "Je hebt een herstelcode gebruikt. Nog over: %u. Telefoon kwijt? Vraag de beheerder "
				 "je authenticator te resetten en stel hem daarna opnieuw in.",
		.qr_label = "QR-code voor je authenticator-app",
		.ask_email_idp = "Typ het e-mailadres waar deze uitnodiging naartoe is gestuurd. Werkt het inloggen "
				 "van je eigen organisatie hier, dan ga je daarheen; anders mailen we je een code van "
				 "8 cijfers.",
		.login_ask_idp = "Typ je e-mailadres. Werkt het inloggen van je eigen organisatie hier, dan ga je "
				 "daarheen; anders mailen we je een code van 8 cijfers.",
		.code_instead = "Mail me liever een code",
		.idp_title = "Inloggen bij je organisatie",
		.try_again = "Opnieuw proberen",
		.problem = {
			[PROBLEM_STALE] = "Het inloggen duurde te lang of is al gebruikt. Begin opnieuw: open de link "
					  "uit je uitnodiging (of de inlogpagina) nog eens.",
			[PROBLEM_NOT_INVITED] = "Je universiteitsaccount is niet een van de uitgenodigde adressen. Log "
						"in met het account waar de uitnodiging naartoe ging, of vraag een code "
						"per e-mail.",
			[PROBLEM_UNVERIFIED] = "Je organisatie bevestigt het e-mailadres van dit account niet, dus we "
					       "kunnen het hier niet gebruiken. Vraag liever een code per e-mail.",
			[PROBLEM_FAILED] = "Het antwoord van het inloggen bij je organisatie kwam niet door onze "
					   "controles, dus je bent niet ingelogd. Probeer het opnieuw, of vraag een "
					   "code per e-mail.",
			[PROBLEM_PROVIDER_DOWN] = "Het inloggen van je organisatie is nu niet bereikbaar. Probeer het "
						  "later opnieuw, of vraag een code per e-mail.",
			[PROBLEM_CANCELLED] = "Het inloggen bij je organisatie is afgebroken of geweigerd. Probeer het "
					      "opnieuw, of vraag een code per e-mail.",
			[PROBLEM_NO_ACCESS] = "Je bent ingelogd bij je organisatie, maar dit account heeft hier geen "
					      "geldige uitnodiging. Vraag degene die je uitnodigde om een nieuwe.",
		},
		.key_ask = "Je hebt de link uit je codemail geopend. Typ het e-mailadres waar de mail naartoe ging "
			   "en log in.",
		.disabled_title = "Je gasttoegang is uitgeschakeld",
		.disabled = "Je hebt lange tijd niet ingelogd, daarom is je gasttoegang uitgeschakeld. Vraag degene "
			    "die je heeft uitgenodigd om de uitnodiging opnieuw te sturen: met de nieuwe uitnodiging "
			    "kun je weer inloggen zoals eerst.",
		.account_title = "Je gastaccount",
		.account_as = "Ingelogd als",
		.res_h = "Waar je bij kunt",
		.no_res = "Geen van je uitnodigingen is nog geldig.",
		.method_h = "Hoe je inlogt",
		.method_code = "Met een code die we je mailen.",
		.method_code_totp = "Met een code die we je mailen, en dan de code uit je authenticator-app.",
		.method_oidc = "Met het account van je eigen organisatie.",
		.lapse_h = "Wanneer je toegang vervalt",
		.lapse = "Als je niet inlogt, wordt je toegang uitgeschakeld op %s (UTC). Elke keer dat je inlogt, "
			 "schuift deze datum op.",
		.lapse_never = "Je toegang vervalt niet als je hem niet gebruikt.",
		.leave_h = "Vertrekken",
		.leave_text = "Verwijder je gastaccount en wat we over je bewaren: je adres, uitnodigingen, "
			      "authenticator-sleutel, herstelcodes en inlogtijden. Je wordt overal uitgelogd. Alleen "
			      "het auditspoor blijft, zoals de privacyverklaring zegt. Om terug te komen heb je een nieuwe "
			      "uitnodiging nodig.",
		.leave_confirm = "Ja, verwijder mijn gastaccount",
		.leave_button = "Verwijder mijn gastaccount",
		.leave_unconfirmed = "Vink het vakje aan om te bevestigen dat je je gastaccount wilt verwijderen.",
		.left_title = "Je gastaccount is verwijderd",
		.left = "Je gastaccount en wat we over je bewaarden zijn verwijderd, en je bent overal uitgelogd. "
			"Alleen het auditspoor blijft, %u dagen.",
		.renew_h = "Nieuwe herstelcodes",
		.renew_text = "Een paar gebruikt, of kwijt? Typ de code uit je authenticator-app (of een van je "
			      "herstelcodes) voor 10 nieuwe. De oude werken dan niet meer.",
		.renew_button = "Maak nieuwe herstelcodes",
		.renew_title = "Je nieuwe herstelcodes",
		.renew_intro = "Je oude herstelcodes werken niet meer. Ben je je telefoon kwijt, dan kun je met elk van "
			       "deze codes één keer inloggen in plaats van met de app. Print ze of bewaar ze in een "
			       "wachtwoordmanager: je ziet ze alleen nu.",
		.back_account = "Terug naar je gastaccount",
		.auth_h = "Een nieuwe authenticator",
		.auth_text = "Nieuwe telefoon? Bevestig met de code uit je huidige app (of een herstelcode) en een code "
			     "die we je mailen, en stel dan de nieuwe app in.",
		.auth_mail = "Mail me een code",
		.auth_title = "Stel een nieuwe authenticator in",
		.auth_sent = "Er is een code onderweg naar je e-mailadres. Typ hem hieronder, met de code uit je "
			     "huidige app of een van je herstelcodes.",
		.auth_email_label = "Code van 8 cijfers uit de mail",
		.auth_button = "Verder naar de nieuwe app",
		.auth_wrong = "Een van de codes klopt niet, is te oud of al gebruikt. Kijk in de laatste mail en naar "
			      "de code die je app nu toont.",
		.privacy_title = "Wat we over je bewaren",
		.privacy_intro = "Voor je verdergaat: om je gasttoegang te geven bewaren we",
		.privacy_items = { "je e-mailadres;",
				   "de uitnodigingen die je accepteerde (wie je uitnodigde, waarvoor en wanneer);",
				   "de sleutel van je authenticator-app (versleuteld) en je herstelcodes (gehasht);",
				   "wanneer en hoe je inlogde;",
				   "een auditspoor van inlogpogingen en wijzigingen aan je gastaccount." },
		.privacy_inactive = "Als je %u dagen niet inlogt, wordt je toegang uitgeschakeld.",
		.privacy_no_inactive = "Je toegang wordt niet uitgeschakeld als je hem niet gebruikt.",
		.privacy_delete = "Een gastaccount dat %u dagen uitgeschakeld blijft, wordt verwijderd.",
		.privacy_keep = "Je gastaccount wordt in elk geval %u dagen na de laatste wijziging verwijderd.",
		.privacy_leave = "Je kunt je gastaccount zelf altijd verwijderen, op de pagina Je gastaccount (/account).",
		.privacy_audit = "Het auditspoor wordt %u dagen bewaard, ook nadat je gastaccount is verwijderd.",
		.privacy_link = "De privacyverklaring van de organisatie",
		.privacy_accept = "Ik begrijp het, ga verder",
	},
};

static const char stylesheet[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:1.05rem;"
	"line-height:1.5;color:#1b1b1b;background:#f4f5f7}"
	"main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem}"
	".card{background:#fff;border-radius:.5rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}"
	"h1{font-size:1.4rem;margin:0 0 .75rem}"
	"header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;margin-bottom:1rem;"
	"color:#444;font-size:.95rem}"
	"label{display:block;font-weight:600;margin:.75rem 0 .25rem}"
	"input[type=email],input[type=text]{width:100%;font-size:1.1rem;padding:.6rem;border:1px solid #888;"
	"border-radius:.35rem}"
	"input.code{font-family:ui-monospace,monospace;font-size:1.5rem;letter-spacing:.3rem}"
	"button{margin-top:1rem;width:100%;font-size:1.1rem;padding:.7rem;border:0;border-radius:.35rem;"
	"background:#0b57d0;color:#fff;cursor:pointer}"
	"button.secondary{background:#e3e7ee;color:#1b1b1b}"
	".notice{padding:.75rem;border-radius:.35rem;background:#e8f0fe;margin:.75rem 0}"
	".error{padding:.75rem;border-radius:.35rem;background:#fce8e6;margin:.75rem 0}"
	".resource{display:block;overflow-wrap:anywhere}"
	"svg.qr{display:block;width:100%;max-width:15rem;height:auto;margin:.75rem auto}"
	".secret{font-family:ui-monospace,monospace;font-size:1.15rem;word-spacing:.35rem;"
	"overflow-wrap:anywhere;background:#f4f5f7;padding:.5rem;border-radius:.35rem}"
	"ol.codes{font-family:ui-monospace,monospace;font-size:1.15rem;padding-left:2.2rem;"
	"columns:2 11rem;column-gap:1.5rem}"
	"ol.steps{padding-left:1.4rem}"
	"a.button{display:block;margin-top:1rem;text-align:center;font-size:1.1rem;padding:.7rem;"
	"border-radius:.35rem;background:#0b57d0;color:#fff;text-decoration:none}"
	"a.app{display:block;margin:.75rem 0;text-align:center;padding:.6rem;border:1px solid #0b57d0;"
	"border-radius:.35rem;text-decoration:none}"
	"a{color:#0b57d0}"
	"h2{font-size:1.1rem;margin:1.25rem 0 .25rem}"
	"ul.resources{padding-left:1.2rem}"
	"label.check{font-weight:400;display:flex;gap:.5rem;align-items:flex-start}"
	"label.check input{margin-top:.35rem;width:1.1rem;height:1.1rem}"
	"button.danger{background:#b3261e}"
	"ul.kept{padding-left:1.2rem}";

const char *pages_qr_label(enum lang l)
{
	return words[l].qr_label;
}

const char *pages_stylesheet(void)
{
	return stylesheet;
}

/* self_link - the GET page to switch language on, or NULL */
static const char *self_path(const struct page *p)
{
	switch (p->view) {
	case VIEW_LOGIN:
	case VIEW_LOGIN_CODE:
	case VIEW_LOGIN_WRONG_CODE:
	case VIEW_LOGIN_LIMITED:
	case VIEW_NEED_SIGNIN:
		return "/login";
	case VIEW_MFA_SETUP:
		return "/mfa/setup";
	case VIEW_MFA_VERIFY:
		return "/mfa/verify";
	case VIEW_ACCOUNT:
		return "/account";
	case VIEW_PRIVACY:
		return "/privacy";
	default:
		return NULL;	/* VIEW_MFA_DONE above all: reloading would lose the codes */
	}
}

static bool lang_link(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];
	enum lang other = p->lang == LANG_NL ? LANG_EN : LANG_NL;
	const char *self = self_path(p);

	bool key = p->mail_key != NULL && p->mail_key[0] != '\0';

	/* The confirm page of a code mail's link keeps its key (base64url) across the switch. */
	if (p->token != NULL && p->token[0] != '\0') {
		if (!buf_puts(b, "<a href=\"/accept/") || !text_html(b, p->token) ||
		    !buf_printf(b, "?lang=%s", lang_code(other)) ||
		    (key && (!buf_puts(b, "&amp;k=") || !text_html(b, p->mail_key))) || !buf_putc(b, '"'))
			return false;
	} else if (self != NULL) {
		if (!buf_printf(b, "<a href=\"%s?lang=%s", self, lang_code(other)))
			return false;
		if (strcmp(self, "/login") == 0 && p->rd != NULL && p->rd[0] != '\0' &&
		    (!buf_puts(b, "&amp;rd=") || !text_urlencode(b, p->rd)))
			return false;
		if (strcmp(self, "/login") == 0 && key && (!buf_puts(b, "&amp;k=") || !text_html(b, p->mail_key)))
			return false;
		if (!buf_putc(b, '"'))
			return false;
	} else {
		return true;
	}
	return buf_printf(b, " hreflang=\"%s\">", lang_code(other)) && text_html(b, w->other_lang) &&
	       buf_puts(b, "</a>");
}

/* refresh_to - where a page sends the browser on by itself, or NULL */
static const char *refresh_to(const struct page *p)
{
	if (p->view == VIEW_SIGNED_IN && !p->used_recovery && p->resource != NULL && p->resource[0] != '\0')
		return p->resource;
	if (p->view == VIEW_CODE_OK && p->next_url != NULL)
		return p->next_url;
	return NULL;
}

static bool head(struct buf *b, const struct page *p, const char *title)
{
	const char *to = refresh_to(p);

	if (!buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
			   "<meta name=\"referrer\" content=\"no-referrer\">\n<title>", lang_code(p->lang)) ||
	    !text_html(b, title) ||
	    !buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n") ||
	    (to != NULL && (!buf_puts(b, "<meta http-equiv=\"refresh\" content=\"1;url=") || !text_html(b, to) ||
			    !buf_puts(b, "\">\n"))) ||
	    !buf_puts(b, "</head><body><main>\n<header><span>") || !text_html(b, p->org_name) ||
	    !buf_puts(b, "</span>") || !lang_link(b, p))
		return false;
	return buf_puts(b, "</header>\n<div class=\"card\">\n<h1>") && text_html(b, title) && buf_puts(b, "</h1>\n");
}

static bool tail(struct buf *b)
{
	return buf_puts(b, "</div>\n</main></body></html>\n");
}

static bool invitation_line(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	return buf_puts(b, "<p><strong>") && text_html(b, p->inviter) && buf_puts(b, "</strong> ") &&
	       text_html(b, w->invited_by) && buf_puts(b, " <span class=\"resource\">") && text_html(b, p->resource) &&
	       buf_puts(b, "</span></p>\n");
}

/* form_start - step "email"/"code" (of the invitation, or of /login when there is no token) or "mfa/…" */
static bool form_start(struct buf *b, const struct page *p, const char *step)
{
	bool mfa = strncmp(step, "mfa/", 4) == 0 || strncmp(step, "account/", 8) == 0 || strcmp(step, "privacy") == 0,
	     accept = p->token != NULL && p->token[0] != '\0';

	if (!buf_puts(b, "<form method=\"post\" action=\""))
		return false;
	if (mfa ? !buf_printf(b, "/%s", step)
		: accept ? !buf_puts(b, "/accept/") || !text_html(b, p->token) || !buf_printf(b, "/%s", step)
			 : !buf_printf(b, "/login/%s", step))
		return false;
	if (!mfa && !accept && p->rd != NULL && p->rd[0] != '\0' &&
	    (!buf_puts(b, "\">\n<input type=\"hidden\" name=\"rd\" value=\"") || !text_html(b, p->rd)))
		return false;
	return buf_puts(b, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"") && text_html(b, p->csrf) &&
	       buf_printf(b, "\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n", lang_code(p->lang));
}

/* The email forms: the step itself (a visible field), a resend of the code (hidden address, always a code),
 * and a retry of organisation sign-in (hidden address, discovery as usual). */
enum email_kind { EMAIL_ASK, EMAIL_RESEND, EMAIL_RETRY };

static bool hidden_email(struct buf *b, const struct page *p)
{
	return buf_puts(b, "<input type=\"hidden\" name=\"email\" value=\"") && text_html(b, p->email) &&
	       buf_puts(b, "\">\n");
}

static bool email_form(struct buf *b, const struct page *p, const char *button, enum email_kind kind)
{
	const struct words *w = &words[p->lang];

	if (!form_start(b, p, "email"))
		return false;
	if (kind == EMAIL_RESEND) {
		if (!hidden_email(b, p) || !buf_puts(b, "<input type=\"hidden\" name=\"method\" value=\"code\">\n"))
			return false;
	} else if (kind == EMAIL_RETRY) {
		if (!hidden_email(b, p))
			return false;
	} else if (!buf_puts(b, "<label for=\"email\">") || !text_html(b, w->email_label) ||
		   !buf_puts(b, "</label>\n<input id=\"email\" type=\"email\" name=\"email\" required "
				"autocomplete=\"email\" inputmode=\"email\" maxlength=\"254\" value=\"") ||
		   !text_html(b, p->email) || !buf_puts(b, "\">\n")) {
		return false;
	}
	if (!buf_printf(b, "<button type=\"submit\"%s>", kind == EMAIL_RESEND ? " class=\"secondary\"" : "") ||
	    !text_html(b, kind == EMAIL_ASK && p->idp ? w->go_on : button) || !buf_puts(b, "</button>\n"))
		return false;
	/* The guest may always skip their organisation's sign-in and get a code (the same form, method=code). */
	if (kind == EMAIL_ASK && p->idp &&
	    (!buf_puts(b, "<button type=\"submit\" name=\"method\" value=\"code\" class=\"secondary\">") ||
	     !text_html(b, w->code_instead) || !buf_puts(b, "</button>\n")))
		return false;
	return buf_puts(b, "</form>\n");
}

/* code_instead_form - hidden address, method=code: the way out of a failed organisation sign-in */
static bool code_instead_form(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	return form_start(b, p, "email") && hidden_email(b, p) &&
	       buf_puts(b, "<input type=\"hidden\" name=\"method\" value=\"code\">\n"
			   "<button type=\"submit\" class=\"secondary\">") &&
	       text_html(b, w->code_instead) && buf_puts(b, "</button>\n</form>\n");
}

static bool code_form(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	return form_start(b, p, "code") && buf_puts(b, "<input type=\"hidden\" name=\"email\" value=\"") &&
	       text_html(b, p->email) && buf_puts(b, "\">\n<label for=\"code\">") && text_html(b, w->code_label) &&
	       buf_puts(b, "</label>\n<input id=\"code\" class=\"code\" type=\"text\" name=\"code\" required "
			   "inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9 ]{8,9}\" "
			   "maxlength=\"9\" aria-describedby=\"codehelp\">\n<p id=\"codehelp\">") &&
	       text_html(b, w->code_help) && buf_puts(b, "</p>\n<button type=\"submit\">") && text_html(b, w->sign_in) &&
	       buf_puts(b, "</button>\n</form>\n");
}

static bool box(struct buf *b, const char *cls, const char *text)
{
	return buf_printf(b, "<p class=\"%s\">", cls) && text_html(b, text) && buf_puts(b, "</p>\n");
}

/* key_form - the confirm page of the link in a code mail: the address, the mail key hidden, posting to the
 * code step (the GET that shows this spent nothing) */
static bool key_form(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	return box(b, "notice", w->key_ask) && form_start(b, p, "code") && buf_puts(b, "<label for=\"email\">") &&
	       text_html(b, w->email_label) &&
	       buf_puts(b, "</label>\n<input id=\"email\" type=\"email\" name=\"email\" required "
			   "autocomplete=\"email\" inputmode=\"email\" maxlength=\"254\" value=\"") &&
	       text_html(b, p->email) && buf_puts(b, "\">\n<input type=\"hidden\" name=\"code\" value=\"") &&
	       text_html(b, p->mail_key) && buf_puts(b, "\">\n<button type=\"submit\">") && text_html(b, w->sign_in) &&
	       buf_puts(b, "</button>\n</form>\n");
}

static bool link_button(struct buf *b, const char *href, const char *text)
{
	return buf_puts(b, "<a class=\"button\" href=\"") && text_html(b, href) && buf_puts(b, "\">") &&
	       text_html(b, text) && buf_puts(b, "</a>\n");
}

static bool render_login(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];
	const char *title = p->token != NULL && p->token[0] != '\0' ? w->title : w->login_title;

	switch (p->view) {
	case VIEW_CODE_OK:
		return head(b, p, title) &&
		       box(b, "notice", strncmp(p->next_url, "/mfa/verify", 11) == 0 ? w->code_ok_verify : w->code_ok_setup) &&
		       link_button(b, p->next_url, w->go_on) && tail(b);
	case VIEW_LOGIN:
		if (p->mail_key != NULL && p->mail_key[0] != '\0')
			return head(b, p, title) && key_form(b, p) && tail(b);
		return head(b, p, title) && buf_puts(b, "<p>") && text_html(b, p->idp ? w->login_ask_idp : w->login_ask) &&
		       buf_puts(b, "</p>\n") &&
		       email_form(b, p, w->send_code, EMAIL_ASK) && tail(b);
	case VIEW_LOGIN_CODE:
		return head(b, p, title) && box(b, "notice", w->login_sent) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	case VIEW_LOGIN_WRONG_CODE:
		return head(b, p, title) && box(b, "error", w->wrong_code) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	default:
		return head(b, p, title) && box(b, "error", w->limited) && email_form(b, p, w->new_code, EMAIL_RESEND) &&
		       tail(b);
	}
}

/* secret_groups - the base32 key in groups of 4 */
static bool secret_groups(struct buf *b, const char *secret)
{
	for (size_t i = 0; secret[i] != '\0'; i++)
		if ((i > 0 && i % 4 == 0 && !buf_putc(b, ' ')) || !buf_putc(b, secret[i]))
			return false;
	return true;
}

/* totp_form - one code field and a button, posting to action ("mfa/setup" or "mfa/verify") */
static bool totp_form(struct buf *b, const struct page *p, const char *action, const char *label,
		      const char *button, bool recovery_ok)
{
	return form_start(b, p, action) && buf_puts(b, "<label for=\"code\">") && text_html(b, label) &&
	       buf_printf(b, "</label>\n<input id=\"code\" class=\"code\" type=\"text\" name=\"code\" required "
			     "autocomplete=\"one-time-code\" %s>\n<button type=\"submit\">",
			  recovery_ok ? "autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"20\""
				      : "inputmode=\"numeric\" pattern=\"[0-9 ]{6,7}\" maxlength=\"7\"") &&
	       text_html(b, button) && buf_puts(b, "</button>\n</form>\n");
}

static bool render_setup(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	if (!head(b, p, w->setup_title) || (p->wrong && !box(b, "error", w->wrong_totp)) ||
	    !buf_puts(b, "<p>") || !text_html(b, w->setup_intro) || !buf_puts(b, "</p>\n<ol class=\"steps\">\n"))
		return false;
	for (size_t i = 0; i < 3; i++)
		if (!buf_puts(b, "<li>") || !text_html(b, w->setup_steps[i]) || !buf_puts(b, "</li>\n"))
			return false;
	return buf_puts(b, "</ol>\n") && buf_puts(b, p->qr_svg) && buf_puts(b, "\n<p>") && text_html(b, w->no_scan) &&
	       buf_puts(b, "</p>\n<p><a class=\"app\" href=\"") && text_html(b, p->otpauth) && buf_puts(b, "\">") &&
	       text_html(b, w->open_app) && buf_puts(b, "</a></p>\n<p>") && text_html(b, w->key_label) &&
	       buf_puts(b, ":</p>\n<p class=\"secret\" id=\"secret\">") && secret_groups(b, p->secret) &&
	       buf_puts(b, "</p>\n") && totp_form(b, p, "mfa/setup", w->totp_label, w->confirm, false) && tail(b);
}

static bool render_done(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	if (!head(b, p, w->done_title) || !box(b, "notice", w->done_intro) || !buf_puts(b, "<ol class=\"codes\">\n"))
		return false;
	for (size_t i = 0; i < MFA_RECOVERY_N; i++)
		if (!buf_puts(b, "<li><code>") || !text_html(b, p->recovery->code[i]) || !buf_puts(b, "</code></li>\n"))
			return false;
	if (!buf_puts(b, "</ol>\n"))
		return false;
	if (p->resource[0] == '\0')
		return box(b, "error", w->no_resource) && tail(b);
	return link_button(b, p->resource, w->done_continue) && buf_puts(b, "<p class=\"resource\">") &&
	       text_html(b, p->resource) && buf_puts(b, "</p>\n") && tail(b);
}

static bool render_mfa_other(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	switch (p->view) {
	case VIEW_MFA_VERIFY:
		return head(b, p, w->verify_title) && (!p->wrong || box(b, "error", w->wrong_totp)) &&
		       buf_puts(b, "<p>") && text_html(b, w->verify_intro) && buf_puts(b, "</p>\n") &&
		       totp_form(b, p, "mfa/verify", w->verify_label, w->sign_in, true) && tail(b);
	case VIEW_MFA_LIMITED:
		return head(b, p, w->verify_title) && box(b, "error", w->mfa_limited) &&
		       link_button(b, "/login", w->sign_in_again) && tail(b);
	case VIEW_NEED_SIGNIN:
		return head(b, p, w->login_title) && box(b, "error", w->need_signin) &&
		       link_button(b, "/login", w->sign_in_again) && tail(b);
	case VIEW_ALREADY:
		return head(b, p, w->login_title) && box(b, "notice", w->already) && tail(b);
	default:
		return head(b, p, w->login_title) && box(b, "error", w->no_resource) && tail(b);
	}
}

/* signed_in - on to the resource; after a recovery code, say how many are left and do not move on by itself */
static bool signed_in(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];
	char left[400];

	if (!head(b, p, w->signed_in_title) || !box(b, "notice", w->signed_in))
		return false;
	if (p->used_recovery) {
		const char *pct = strstr(w->recovery_left, "%u");

		if (pct == NULL || snprintf(left, sizeof(left), "%.*s%u%s", (int)(pct - w->recovery_left),
					    w->recovery_left, p->recovery_left, pct + 2) >= (int)sizeof(left) ||
		    !box(b, "error", left))
			return false;
	}
	return buf_puts(b, "<p>") && text_html(b, w->continue_to) && buf_puts(b, " <a class=\"resource\" href=\"") &&
	       text_html(b, p->resource) && buf_puts(b, "\">") && text_html(b, p->resource) &&
	       buf_puts(b, "</a></p>\n") && tail(b);
}

/* idp_problem - organisation sign-in failed: say what happened; offer to retry and to get a code instead */
static bool idp_problem(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];
	bool retry = p->problem != PROBLEM_NOT_INVITED && p->problem != PROBLEM_UNVERIFIED &&
		     p->problem != PROBLEM_NO_ACCESS;

	if (!head(b, p, w->idp_title) || !box(b, "error", w->problem[p->problem]))
		return false;
	if (p->code_option && ((retry && !email_form(b, p, w->try_again, EMAIL_RETRY)) || !code_instead_form(b, p)))
		return false;
	return tail(b);
}

/* fill_one - tmpl with its one "%s" or "%u" replaced, HTML-escaped */
static bool fill_one(struct buf *b, const char *tmpl, const char *s, unsigned u)
{
	const char *pct = strstr(tmpl, "%");
	char num[24], pre[512];
	size_t n;

	if (pct == NULL || (pct[1] != 's' && pct[1] != 'u'))
		return text_html(b, tmpl);
	n = (size_t)(pct - tmpl);
	if (n >= sizeof(pre))
		return false;
	memcpy(pre, tmpl, n);
	pre[n] = '\0';
	snprintf(num, sizeof(num), "%u", u);
	return text_html(b, pre) && text_html(b, pct[1] == 's' ? s : num) && text_html(b, pct + 2);
}

/* section - an h2 and a paragraph */
static bool section(struct buf *b, const char *h, const char *text)
{
	return buf_puts(b, "<h2>") && text_html(b, h) && buf_puts(b, "</h2>\n<p>") && text_html(b, text) &&
	       buf_puts(b, "</p>\n");
}

/* render_account - /account: who, what, how, until when; and the leave form (checkbox to confirm) */
static bool render_account(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];
	const struct account_view *a = p->account;
	bool oidc = strncmp(a->method, "oidc:", 5) == 0;
	char day[32] = "";
	time_t t = (time_t)a->lapses_at;
	struct tm tm;

	if (a->lapses_at != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(day, sizeof(day), "%Y-%m-%d %H:%M", &tm);
	if (!head(b, p, w->account_title) || (p->wrong && !box(b, "error", w->leave_unconfirmed)) ||
	    !buf_puts(b, "<p>") || !text_html(b, w->account_as) || !buf_puts(b, " <strong id=\"account-email\">") ||
	    !text_html(b, a->addr) || !buf_puts(b, "</strong></p>\n<h2>") || !text_html(b, w->res_h) ||
	    !buf_puts(b, "</h2>\n"))
		return false;
	if (a->n_resources == 0 && (!buf_puts(b, "<p>") || !text_html(b, w->no_res) || !buf_puts(b, "</p>\n")))
		return false;
	if (a->n_resources > 0 && !buf_puts(b, "<ul class=\"resources\">\n"))
		return false;
	for (size_t i = 0; i < a->n_resources; i++)
		if (!buf_puts(b, "<li><a class=\"resource\" href=\"") || !text_html(b, a->resources[i]) ||
		    !buf_puts(b, "\">") || !text_html(b, a->resources[i]) || !buf_puts(b, "</a></li>\n"))
			return false;
	if ((a->n_resources > 0 && !buf_puts(b, "</ul>\n")) ||
	    !section(b, w->method_h, oidc ? w->method_oidc : a->totp ? w->method_code_totp : w->method_code) ||
	    !buf_puts(b, "<h2>") || !text_html(b, w->lapse_h) || !buf_puts(b, "</h2>\n<p id=\"lapse\">") ||
	    !(a->lapses_at != 0 ? fill_one(b, w->lapse, day, 0) : text_html(b, w->lapse_never)) ||
	    !buf_puts(b, "</p>\n") ||
	    (a->totp && (!section(b, w->renew_h, w->renew_text) || (p->wrong_code && !box(b, "error", w->wrong_totp)) ||
			 !totp_form(b, p, "account/recovery", w->verify_label, w->renew_button, true) ||
			 !section(b, w->auth_h, w->auth_text) || !form_start(b, p, "account/authenticator/email") ||
			 !buf_puts(b, "<button type=\"submit\" class=\"secondary\">") || !text_html(b, w->auth_mail) ||
			 !buf_puts(b, "</button>\n</form>\n"))) ||
	    !buf_puts(b, "<h2>") || !text_html(b, w->leave_h) || !buf_puts(b, "</h2>\n<p>") ||
	    !text_html(b, w->leave_text) || !buf_puts(b, "</p>\n") || !form_start(b, p, "account/leave"))
		return false;
	return buf_puts(b, "<label class=\"check\"><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> ") &&
	       text_html(b, w->leave_confirm) && buf_puts(b, "</label>\n<button type=\"submit\" class=\"danger\">") &&
	       text_html(b, w->leave_button) && buf_puts(b, "</button>\n</form>\n") && tail(b);
}

/* render_new_recovery - the new recovery codes, once, and the way back to /account */
static bool render_new_recovery(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	if (!head(b, p, w->renew_title) || !box(b, "notice", w->renew_intro) || !buf_puts(b, "<ol class=\"codes\">\n"))
		return false;
	for (size_t i = 0; i < MFA_RECOVERY_N; i++)
		if (!buf_puts(b, "<li><code>") || !text_html(b, p->recovery->code[i]) || !buf_puts(b, "</code></li>\n"))
			return false;
	return buf_puts(b, "</ol>\n") && link_button(b, p->lang == LANG_NL ? "/account?lang=nl" : "/account?lang=en",
							w->back_account) && tail(b);
}

/* render_new_auth - both codes for a new authenticator (the mail is on its way) */
static bool render_new_auth(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	return head(b, p, w->auth_title) && box(b, p->wrong ? "error" : "notice", p->wrong ? w->auth_wrong : w->auth_sent) &&
	       form_start(b, p, "account/authenticator") && buf_puts(b, "<label for=\"email_code\">") &&
	       text_html(b, w->auth_email_label) &&
	       buf_puts(b, "</label>\n<input id=\"email_code\" class=\"code\" type=\"text\" name=\"email_code\" required "
			   "inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"9\">\n<label for=\"code\">") &&
	       text_html(b, w->verify_label) &&
	       buf_puts(b, "</label>\n<input id=\"code\" class=\"code\" type=\"text\" name=\"code\" required "
			   "autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"20\">\n<button type=\"submit\">") &&
	       text_html(b, w->auth_button) && buf_puts(b, "</button>\n</form>\n") &&
	       link_button(b, p->lang == LANG_NL ? "/account?lang=nl" : "/account?lang=en", w->back_account) && tail(b);
}

/* para - a paragraph with one number filled in */
static bool para(struct buf *b, const char *tmpl, unsigned u)
{
	return buf_puts(b, "<p>") && fill_one(b, tmpl, "", u) && buf_puts(b, "</p>\n");
}

/* render_privacy - what is kept, for how long, the organisation's statement, and the accept button */
static bool render_privacy(struct buf *b, const struct page *p)
{
	const struct words *w = &words[p->lang];

	if (!head(b, p, w->privacy_title) || !buf_puts(b, "<p>") || !text_html(b, w->privacy_intro) ||
	    !buf_puts(b, "</p>\n<ul class=\"kept\">\n"))
		return false;
	for (size_t i = 0; i < 5; i++)
		if (!buf_puts(b, "<li>") || !text_html(b, w->privacy_items[i]) || !buf_puts(b, "</li>\n"))
			return false;
	if (!buf_puts(b, "</ul>\n") ||
	    !(p->inactive_days ? para(b, w->privacy_inactive, p->inactive_days) : para(b, w->privacy_no_inactive, 0)) ||
	    (p->inactive_days && p->delete_days && !para(b, w->privacy_delete, p->delete_days)) ||
	    !para(b, w->privacy_keep, p->keep_days) || !para(b, w->privacy_leave, 0) ||
	    !para(b, w->privacy_audit, p->audit_days))
		return false;
	if (p->privacy_url != NULL && p->privacy_url[0] != '\0' &&
	    (!buf_puts(b, "<p><a id=\"privacy-statement\" href=\"") || !text_html(b, p->privacy_url) ||
	     !buf_puts(b, "\">") || !text_html(b, w->privacy_link) || !buf_puts(b, "</a></p>\n")))
		return false;
	return form_start(b, p, "privacy") && buf_puts(b, "<button type=\"submit\">") &&
	       text_html(b, w->privacy_accept) && buf_puts(b, "</button>\n</form>\n") && tail(b);
}

bool pages_render(const struct page *p, struct buf *b)
{
	const struct words *w = &words[p->lang];

	switch (p->view) {
	case VIEW_ASK_EMAIL:
		if (p->mail_key != NULL && p->mail_key[0] != '\0')
			return head(b, p, w->title) && invitation_line(b, p) && key_form(b, p) && tail(b);
		return head(b, p, w->title) && invitation_line(b, p) && buf_puts(b, "<p>") &&
		       text_html(b, p->idp ? w->ask_email_idp : w->ask_email) &&
		       buf_puts(b, "</p>\n") && email_form(b, p, w->send_code, EMAIL_ASK) && tail(b);
	case VIEW_ASK_CODE:
		return head(b, p, w->title) && invitation_line(b, p) && box(b, "notice", w->code_sent) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	case VIEW_WRONG_CODE:
		return head(b, p, w->title) && box(b, "error", w->wrong_code) && code_form(b, p) &&
		       email_form(b, p, w->new_code, EMAIL_RESEND) && tail(b);
	case VIEW_LIMITED:
		return head(b, p, w->title) && box(b, "error", w->limited) && email_form(b, p, w->new_code, EMAIL_RESEND) &&
		       tail(b);
	case VIEW_SIGNED_IN:
		return signed_in(b, p);
	case VIEW_BAD_LINK:
		return head(b, p, w->title) && box(b, "error", w->bad_link) && tail(b);
	case VIEW_EXPIRED_LINK:
		return head(b, p, w->title) && box(b, "error", w->expired_link) && tail(b);
	case VIEW_REVOKED_LINK:
		return head(b, p, w->title) && box(b, "error", w->revoked_link) && tail(b);
	case VIEW_BAD_REQUEST:
		return head(b, p, w->title) && box(b, "error", w->bad_request) && tail(b);
	case VIEW_UNAVAILABLE:
		return head(b, p, w->title) && box(b, "error", w->unavailable) && tail(b);
	case VIEW_NOT_FOUND:
		return head(b, p, w->title) && box(b, "error", w->not_found) && tail(b);
	case VIEW_CODE_OK:
	case VIEW_LOGIN:
	case VIEW_LOGIN_CODE:
	case VIEW_LOGIN_WRONG_CODE:
	case VIEW_LOGIN_LIMITED:
		return render_login(b, p);
	case VIEW_MFA_SETUP:
		return render_setup(b, p);
	case VIEW_MFA_DONE:
		return render_done(b, p);
	case VIEW_MFA_VERIFY:
	case VIEW_MFA_LIMITED:
	case VIEW_NEED_SIGNIN:
	case VIEW_ALREADY:
	case VIEW_NO_RESOURCE:
		return render_mfa_other(b, p);
	case VIEW_IDP_PROBLEM:
		return idp_problem(b, p);
	case VIEW_DISABLED:
		return head(b, p, w->disabled_title) && box(b, "error", w->disabled) && tail(b);
	case VIEW_ACCOUNT:
		return p->account != NULL && render_account(b, p);
	case VIEW_PRIVACY:
		return render_privacy(b, p);
	case VIEW_NEW_RECOVERY:
		return render_new_recovery(b, p);
	case VIEW_NEW_AUTH:
		return render_new_auth(b, p);
	case VIEW_LEFT:
		return head(b, p, w->left_title) && buf_puts(b, "<p class=\"notice\">") &&
		       fill_one(b, w->left, "", p->audit_days) && buf_puts(b, "</p>\n") && tail(b);
	}
	return false;
}
