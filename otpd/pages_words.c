/*
 * pages_words.c - the texts of the pages per language, and the one
 * stylesheet (see pages.h, pages_words.h). Data only: pages.c lays it out.
 */
#include "pages_words.h"

const struct words pages_words[LANG_N] = {
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
	return pages_words[l].qr_label;
}

const char *pages_stylesheet(void)
{
	return stylesheet;
}
