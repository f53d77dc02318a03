"""Where a reply sits relative to the quote, quote headers by language and by client, and
mails that hold nothing but a quote: the customer's words come out, never nothing."""

from __future__ import annotations

import pytest

from feedback.mail import replies

QUOTE = "\n> How likely are you to recommend Acme?\n> Tell us why.\n"
HEADER_EN = "On Mon, 3 Mar 2025 at 10:00, Acme <survey@acme.example> wrote:"


def test_top_posted_reply_keeps_the_words_above_the_quote():
    body = f"The exports are slow.\n\n{HEADER_EN}{QUOTE}"
    assert replies.extract_new_text(body) == "The exports are slow."


def test_bottom_posted_reply_keeps_the_words_below_the_quote():
    body = f"{HEADER_EN}{QUOTE}\nThe exports are slow.\n"
    assert replies.extract_new_text(body) == "The exports are slow."


def test_inline_answers_between_quoted_lines_are_all_kept():
    body = (
        f"{HEADER_EN}\n> How likely are you to recommend Acme?\n\n9\n\n"
        "> Tell us why.\n\nThe exports are slow.\n\n> Thanks\n"
    )
    assert replies.extract_new_text(body) == "9\n\nThe exports are slow."


def test_words_above_and_between_the_quote_are_both_kept():
    body = f"Hi,\n{HEADER_EN}\n> Question one\n\nAnswer one.\n\n> Question two\n"
    assert replies.extract_new_text(body) == "Hi,\n\nAnswer one."


@pytest.mark.parametrize(
    "body",
    [
        f"{HEADER_EN}{QUOTE}",
        QUOTE,
        "-----Original Message-----\nFrom: Acme <survey@acme.example>\nSent: Monday\n"
        "To: Ana\nSubject: Survey\n\nHow likely are you to recommend Acme?",
    ],
)
def test_a_body_that_is_only_a_quote_has_no_new_text(body):
    assert replies.extract_new_text(body) == ""


@pytest.mark.parametrize(
    ("language", "header"),
    [
        ("en", "On Mon, 3 Mar 2025 at 10:00, Acme <survey@acme.example> wrote:"),
        ("de", "Am Mo., 3. März 2025 um 10:00 Uhr schrieb Acme <survey@acme.example>:"),
        ("fr", "Le lun. 3 mars 2025 à 10:00, Acme <survey@acme.example> a écrit :"),
        ("es", "El lun, 3 mar 2025 a las 10:00, Acme (<survey@acme.example>) escribió:"),
        ("nl", "Op ma 3 mrt 2025 om 10:00 schreef Acme <survey@acme.example>:"),
        ("it", "Il giorno lun 3 mar 2025 alle ore 10:00 Acme <survey@acme.example> ha scritto:"),
        ("ru", "пн, 3 мар. 2025 г. в 10:00, Acme <survey@acme.example>:"),
        ("ru", "3 марта 2025 г., в 10:00, Acme <survey@acme.example> написал(а):"),
        ("uk", "3 березня 2025 р. о 10:00 Acme <survey@acme.example> написав:"),
        ("pt", "Em seg., 3 de mar. de 2025 às 10:00, Acme <survey@acme.example> escreveu:"),
        ("zh", "Acme <survey@acme.example> 于2025年3月3日周一 10:00写道："),
        ("ja", "2025年3月3日(月) 10:00 Acme <survey@acme.example>:"),
        ("vi", "Vào Th 2, 3 thg 3, 2025 vào lúc 10:00 Acme <survey@acme.example> đã viết:"),
        ("pl", "W dniu 3.03.2025 o 10:00, Acme <survey@acme.example> pisze:"),
        ("hu", "2025. márc. 3., hétfő 10:00 Acme <survey@acme.example> írta:"),
        ("ro", "Pe 3 mar. 2025, la 10:00, Acme <survey@acme.example> a scris:"),
        ("el", "Στις Δευ 3 Μαρ 2025 στις 10:00, ο/η Acme <survey@acme.example> έγραψε:"),
        ("ko", "2025년 3월 3일 (월) 오전 10:00, Acme <survey@acme.example>님이 작성:"),
    ],
)
def test_quote_headers_in_each_language_are_cut(language, header):
    body = f"Customer words ({language}).\n\n{header}{QUOTE}"
    assert replies.extract_new_text(body) == f"Customer words ({language})."


@pytest.mark.parametrize(
    "header",
    [
        # Gmail wraps a long attribution over two lines.
        "Le lun. 15 nov. 2021 à 19:42, John - Acme <john@acme.example>\na écrit :",
        "On Tue, Apr 29, 2014 at 4:22 PM, Example Dev\n<dev@acme.example> wrote:",
        "Acme <survey@acme.example> schreef het volgende op 3 maart 2025\n10:00:",
        # Gmail's ISO-date header carries no verb at all.
        "2016-10-24 15:36 GMT+02:00 Foo <foo@acme.example>:",
        # German "schrieb am" variant and the Zoho rule.
        "Acme <survey@acme.example> schrieb am Mo., 3. März 2025, 10:00:",
        "---- On Wed, 24 Feb 2021 14:02:50 +0530 john@acme.example wrote ----",
    ],
)
def test_wrapped_iso_and_variant_attributions_are_cut(header):
    body = f"Customer words.\n\n{header}{QUOTE}"
    assert replies.extract_new_text(body) == "Customer words."


@pytest.mark.parametrize(
    "block",
    [
        "-----Ursprüngliche Nachricht-----\nVon: Acme <survey@acme.example>\n"
        "Gesendet: Montag, 3. März 2025 10:00\nAn: Ana\nBetreff: Umfrage",
        "-------- Message d'origine --------\nDe : Acme <survey@acme.example>\n"
        "Date : 03/03/25 10:00 (GMT+01:00)\nÀ : ana@customer.example",
        " ------------------------------\n\n*From:* Acme [mailto:survey@acme.example]\n"
        "*Sent:* Monday, March 3, 2025 10:00 AM\n*To:* ana@customer.example\n*Subject:* Survey",
        "________________________________\nFrom: Acme <survey@acme.example>\n"
        "Sent: Monday, March 3, 2025 10:00 AM\nTo: Ana\nSubject: Survey",
    ],
)
def test_outlook_separators_and_bold_header_blocks_are_cut(block):
    body = f"Customer words.\n\n{block}\n\nHow likely are you to recommend Acme?"
    assert replies.extract_new_text(body) == "Customer words."


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Sent from Outlook Mobile",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi Samsung Galaxy",
    ],
)
def test_mobile_signatures_are_dropped(signature):
    body = f"Customer words.\n\n{signature}\n\n{HEADER_EN}{QUOTE}"
    assert replies.extract_new_text(body) == "Customer words."


def test_a_sentence_that_starts_like_a_signature_is_kept():
    body = "Customer words.\n\nSent from my desk, which is easier than my phone."
    assert replies.extract_new_text(body) == body


def test_dates_and_on_sentences_in_the_reply_are_not_quote_headers():
    body = (
        "On the surface the export works.\nOn average it takes 10:30 minutes.\n"
        "2024-01-15 14:30:25 is when it failed."
    )
    assert replies.extract_new_text(body) == body


def _form(**fields):
    form = {
        "envelope": '{"to": ["reply+Ab3_dEf-GhIjKlMnOpQrStUvWxYz0123456789abcdE@in.example"],'
        ' "from": "ana@customer.example"}',
        "from": "Ana <ana@customer.example>",
        "to": "reply+Ab3_dEf-GhIjKlMnOpQrStUvWxYz0123456789abcdE@in.example",
        "subject": "Re: Survey",
        "headers": "Message-ID: <m1@customer.example>\n",
    }
    form.update(fields)
    return form


def test_html_only_mail_keeps_the_sign_off_and_drops_quote_and_signature_block():
    html = (
        "<div dir='ltr'>The export is slow.<br><br>Best regards,<br>Ana</div>"
        "<div class='gmail_signature'>Ana Ruiz | Ops lead | +34 600 000 000</div>"
        "<div class='gmail_quote'><div>On Mon wrote:</div><blockquote>How likely?</blockquote>"
        "</div>"
    )
    mail = replies.from_sendgrid(_form(text="", html=html))
    assert mail.html == html  # the raw HTML travels with the mail, to be stored
    assert mail.new_words == "The export is slow.\n\nBest regards,\nAna"


def test_a_plain_part_is_read_before_the_html():
    mail = replies.from_sendgrid(
        _form(text=f"Fine.\n\n{HEADER_EN}{QUOTE}", html="<p>Fine.</p><blockquote>x</blockquote>")
    )
    assert mail.new_words == "Fine."


def test_a_wrote_line_without_date_time_or_address_is_the_customers_own():
    body = "As my colleague wrote:\nThe export is broken.\n\nThanks"
    assert replies.extract_new_text(body) == body


@pytest.mark.parametrize(
    "header",
    [
        # Gmail on a phone puts the sender first and wraps after the day's dot.
        "Lena Vogt <lena.vogt@example.de> schrieb am Di., 14.\nOkt. 2025, 08:15:",
        "Lena Vogt <lena.vogt@example.de> schrieb am Fr., 3.\nJan. 2025, 17:40:",
    ],
)
def test_an_attribution_wrapped_after_a_dated_dot_is_cut(header):
    body = f"Die Umfrage war zu lang.\n\n{header}{QUOTE}"
    assert replies.extract_new_text(body) == "Die Umfrage war zu lang."


def test_a_sentence_ending_in_a_number_still_ends_the_reply_line():
    body = "We renewed for 2025.\nNext year we will look again.\n"
    assert replies.extract_new_text(body) == body.strip()


@pytest.mark.parametrize(
    "header",
    ["2024/11/5 Pedro Gil <pedro@example.es>", "5.11.2024 Pedro Gil <pedro@example.es>"],
)
def test_a_dated_sender_line_right_above_the_quote_is_its_header(header):
    body = f"Todo bien, gracias.\n{header}\n\n> ¿Qué tal el servicio?\n"
    assert replies.extract_new_text(body) == "Todo bien, gracias."


def test_a_dated_line_with_an_address_not_above_a_quote_is_kept():
    body = "Write to me after 2024/11/5 at pedro@example.es\n\nThanks"
    assert replies.extract_new_text(body) == body


@pytest.mark.parametrize(
    "signature",
    [
        "Get Outlook for Android<https://aka.ms/abc123>",
        "Download Outlook for iOS",
        "Holen Sie sich Outlook für iOS<https://aka.ms/abc123>",
        "Outlook für Android herunterladen",
        "Télécharger Outlook pour Android",
        "Obtenir Outlook pour iOS<https://aka.ms/abc123>",
        "Descargar Outlook para Android",
        "Obtener Outlook para iOS",
        "Outlook voor Android downloaden",
        "Verstuurd vanaf mijn iPad",
        "Verzonden vanuit Yahoo Mail voor Android",
        "Envoyé à partir de Courrier pour Windows",
        "Enviado desde Yahoo Mail con Android",
        "Gesendet mit der WEB.DE Mail App",
        "Gesendet mit der mobilen Mail App",
        "Envoyé avec l'application Mail d'Orange",
        "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=1234> for Windows",
        "Gesendet von Mail<https://go.microsoft.com/fwlink/?LinkId=1234> für Windows",
    ],
)
def test_mail_app_signatures_in_the_languages_we_send_in_are_dropped(signature):
    body = f"De app crasht bij het openen van rapporten.\n\n{signature}\n"
    assert replies.extract_new_text(body) == "De app crasht bij het openen van rapporten."


def test_a_sentence_about_outlook_for_ios_is_kept():
    body = "Your survey link does not open in Outlook for iOS, only in Safari."
    assert replies.extract_new_text(body) == body


@pytest.mark.parametrize(
    "block",
    [
        "Date: Tue, 7 Oct 2025 09:12:44 +0200\nFrom: Acme <survey@acme.example>\n"
        "To: Jan <jan@example.nl>\nSubject: Your opinion",
        "Subject: Your opinion\nFrom: Acme <survey@acme.example>\nTo: Jan <jan@example.nl>\n"
        "Date: Tue, 7 Oct 2025 09:12:44 +0200",
        "Datum: Dienstag, 7. Oktober 2025 09:12\nAn: Jan <jan@example.nl>",
    ],
)
def test_a_header_block_that_leads_with_the_date_or_subject_is_cut(block):
    body = f"Prima service, snel geholpen.\n\n{block}\n\nHow likely are you to recommend us?\n"
    assert replies.extract_new_text(body) == "Prima service, snel geholpen."


def test_a_subject_line_the_customer_writes_is_kept():
    body = "Subject: the invoices page\nTo be honest it loads far too slowly."
    assert replies.extract_new_text(body) == body


def test_apple_mails_german_forward_line_is_cut():
    body = (
        "Zur Info, siehe unten.\n\nAnfang der weitergeleiteten Nachricht:\n\n"
        "Von: Acme <survey@acme.example>\nDatum: 7. Oktober 2025 um 09:12:44 MESZ\n\nFrage"
    )
    assert replies.extract_new_text(body) == "Zur Info, siehe unten."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Works now, thanks! On Thu, Oct 9, 2025 at 8:05 AM, Acme <survey@acme.example>"
            f" wrote:{QUOTE}",
            "Works now, thanks!",
        ),
        (
            f"Klappt jetzt.--- Am 09.10.2025 um 08:05 schrieb Acme <survey@acme.example>:{QUOTE}",
            "Klappt jetzt.",
        ),
        (
            "Merci beaucoup Le jeu. 9 oct. 2025 à 08:05, Acme\n<survey@acme.example> a écrit :"
            f"{QUOTE}",
            "Merci beaucoup",
        ),
    ],
)
def test_an_attribution_sharing_the_replys_last_line_keeps_the_words_before_it(body, expected):
    assert replies.extract_new_text(body) == expected


def test_a_surname_that_looks_like_a_lead_word_is_part_of_the_attribution():
    body = (
        f"Très bien.\n\nLe 9 oct. 2025 à 08:05, Marie Le Gall <marie@example.fr> a écrit :{QUOTE}"
    )
    assert replies.extract_new_text(body) == "Très bien."


def test_a_quoted_links_wrapped_tail_is_not_an_inline_answer():
    body = (
        f"Done, see attached.\n\n{HEADER_EN}\n> Please rate your ticket\n"
        "> (https://help.example.com/rate?ticket=4821&\ntoken=9f8e7d)\n>\n"
        "> Open it here\n(https://help.example.com/t/4821) >\n> Thanks\n"
    )
    assert replies.extract_new_text(body) == "Done, see attached."


def test_a_short_inline_answer_with_a_link_is_kept():
    body = f"{HEADER_EN}\n> Where did it fail?\nOn this page https://app.example.com/x\n> Ok\n"
    assert replies.extract_new_text(body) == "On this page https://app.example.com/x"


@pytest.mark.parametrize("header", ["Tom Baker wrote:", "Tom Baker schrieb:", "Tom a écrit :"])
def test_an_undated_attribution_right_above_the_quote_is_cut(header):
    body = f"Fine by me.\n\n{header}\n> Can we move the call to Friday?\n"
    assert replies.extract_new_text(body) == "Fine by me."


def test_a_sentence_quoting_a_colleague_without_a_quote_below_is_kept():
    body = "As my colleague wrote:\nthe import fails on every CSV with a BOM."
    assert replies.extract_new_text(body) == body


def test_a_plain_reply_line_is_never_the_first_half_of_a_wrapped_attribution():
    body = (
        "Bitte storniert die zweite Rechnung\n"
        "Betreff: AW: Rechnung 2025-10-02 09:30 Absender: billing@acme.example Empfänger:\n"
        "Alte Nachricht"
    )
    assert replies.extract_new_text(body).startswith("Bitte storniert die zweite Rechnung")


@pytest.mark.parametrize("signature", ["Trimis de pe iPhone-ul meu", "Az iPhone-omról küldve"])
def test_iphone_signatures_in_more_languages_are_dropped(signature):
    body = f"All good on our side.\n{signature}\n"
    assert replies.extract_new_text(body) == "All good on our side."


@pytest.mark.parametrize(
    "sender",
    [
        "From: Acme Surveys <survey@acme.example>",
        "Von: survey@acme.example",
        "De : Acme [mailto:survey@acme.example]",
        "Van: survey@acme.example <survey@acme.example>",
    ],
)
def test_a_lone_sender_line_opens_the_quote(sender):
    body = f"Alles prima.\n\n{sender}\n\nHow likely are you to recommend us?\n"
    assert replies.extract_new_text(body) == "Alles prima."


def test_a_sender_line_inside_a_sentence_block_is_kept():
    body = "Please write back to me.\nFrom: ana@example.org\nis the address I read."
    assert replies.extract_new_text(body) == body


@pytest.mark.parametrize(
    "header",
    [
        "Am 02.10.2025\num 14:10 schrieb Lena Vogt\n<lena.vogt@example.de>:",
        "Le 02/10/2025\nà 14:10, Chloé Martin\n<chloe@example.fr> a écrit :",
        "Op 2-10-2025\nom 14:10 schreef Sanne\n<sanne@example.nl>:",
    ],
)
def test_an_attribution_wrapped_right_after_its_date_is_cut_whole(header):
    body = f"Merci, c'est réglé.\n\n{header}{QUOTE}"
    assert replies.extract_new_text(body) == "Merci, c'est réglé."


def test_a_reply_line_starting_with_on_before_an_attribution_is_kept():
    body = f"On my side everything works\n{HEADER_EN}{QUOTE}"
    assert replies.extract_new_text(body) == "On my side everything works"


def test_a_doubled_lead_word_is_part_of_the_attribution():
    body = (
        "Gracias, todo claro.\n\nEl El mié, 1 de oct de 2025 a la(s) 9:30 a.m., Acme "
        f"<survey@acme.example> escribió:{QUOTE}"
    )
    assert replies.extract_new_text(body) == "Gracias, todo claro."


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my Verizon, Samsung Galaxy smartphone",
        "Sent via the Samsung Galaxy A54 5G, an AT&T 5G smartphone",
        "Sent from the all new AOL app for iOS",
        "Diese Nachricht wurde von meinem Android-Mobiltelefon mit WEB.DE Mail gesendet.",
        "-- \nDiese Nachricht wurde von meinem Android Mobiltelefon mit GMX Mail gesendet.",
        "__________\nSent from my Verizon, Samsung Galaxy smartphone",
    ],
)
def test_carrier_and_app_signatures_are_dropped(signature):
    body = f"Checkout keeps timing out.\n\n{signature}\n"
    assert replies.extract_new_text(body) == "Checkout keeps timing out."


def test_a_sentence_about_a_phone_after_a_comma_is_kept():
    body = "Checkout keeps timing out.\n\nSent from my laptop, because checkout fails on my phone."
    assert replies.extract_new_text(body) == body


# Each language we send in (feedback/locales.py SUPPORTED), as the common clients quote.
CLIENT_HEADERS = {
    "en": [
        "On Thu, Oct 9, 2025 at 8:05\u202fAM Acme <survey@acme.example> wrote:",  # Gmail
        "On 9 Oct 2025, at 08:05, Acme <survey@acme.example> wrote:",  # Apple Mail / iOS
        "On 10/9/25 8:05 AM, Acme wrote:",  # Thunderbird
        "On Thursday, October 9, 2025, 08:05:00 AM GMT+2, Acme <survey@acme.example> wrote:",
        "From: Acme <survey@acme.example>\nSent: Thursday, October 9, 2025 8:05 AM\nTo: Ana",
        "________________________________\nFrom: Acme <survey@acme.example>\n"
        "Sent: Thursday, October 9, 2025 8:05:00 AM",  # Outlook mobile / web
        "From: Acme <survey@acme.example>\nDate: Thursday, 9 October 2025 at 08:05\nTo: Ana",
    ],
    "de": [
        "Am Do., 9. Okt. 2025 um 08:05 Uhr schrieb Acme <survey@acme.example>:",
        "Am 09.10.2025 um 08:05 schrieb Acme <survey@acme.example>:",
        "Am 09.10.25 um 08:05 schrieb Acme:",
        "Am Donnerstag, 9. Oktober 2025, 08:05:00 MESZ hat Acme <survey@acme.example> "
        "Folgendes geschrieben:",
        "Von: Acme <survey@acme.example>\nGesendet: Donnerstag, 9. Oktober 2025 08:05\nAn: Ana",
        "-----Ursprüngliche Nachricht-----\nVon: Acme <survey@acme.example>",
    ],
    "fr": [
        "Le jeu. 9 oct. 2025 à 08:05, Acme <survey@acme.example> a écrit :",
        "Le 9 oct. 2025 à 08:05, Acme <survey@acme.example> a écrit :",
        "Le 09/10/2025 à 08:05, Acme a écrit :",
        "Le jeudi 9 octobre 2025, 08:05:00 UTC+2, Acme <survey@acme.example> a écrit :",
        "De : Acme <survey@acme.example>\nEnvoyé : jeudi 9 octobre 2025 08:05\nÀ : Ana",
        "De : Acme <survey@acme.example>\nEnvoyé le : jeudi 9 octobre 2025 08:05\nÀ : Ana",
        "-----Message d'origine-----\nDe : Acme <survey@acme.example>",
    ],
    "es": [
        "El jue, 9 oct 2025 a las 8:05, Acme (<survey@acme.example>) escribió:",
        "El 9 oct 2025, a las 8:05, Acme <survey@acme.example> escribió:",
        "El 9/10/25 a las 8:05, Acme escribió:",
        "El jueves, 9 de octubre de 2025, 08:05:00 CEST, Acme <survey@acme.example> escribió:",
        "De: Acme <survey@acme.example>\nEnviado el: jueves, 9 de octubre de 2025 8:05\nPara: Ana",
        "De: Acme <survey@acme.example>\nEnviado: jueves, 9 de octubre de 2025 8:05\nPara: Ana",
        "-----Mensaje original-----\nDe: Acme <survey@acme.example>",
    ],
    "nl": [
        "Op do 9 okt 2025 om 08:05 schreef Acme <survey@acme.example>:",
        "Op 9 okt. 2025 om 08:05 heeft Acme <survey@acme.example> het volgende geschreven:",
        "Op 09-10-2025 om 08:05 schreef Acme:",
        "Op donderdag 9 oktober 2025 08:05:00 CEST schreef Acme <survey@acme.example>:",
        "Van: Acme <survey@acme.example>\nVerzonden: donderdag 9 oktober 2025 08:05\nAan: Ana",
        "Van: Acme <survey@acme.example>\nDatum: donderdag 9 oktober 2025 om 08:05\nAan: Ana",
        "-----Oorspronkelijk bericht-----\nVan: Acme <survey@acme.example>",
    ],
}


@pytest.mark.parametrize(
    ("language", "header"),
    [(language, header) for language, headers in CLIENT_HEADERS.items() for header in headers],
)
def test_each_clients_quote_header_in_each_language_we_send_in_is_cut(language, header):
    # Attributions head a '>' quote; header blocks and separators an unmarked one.
    body = f"Words of the reply ({language}).\n\n{header}\n{QUOTE}"
    if header.splitlines()[0].startswith(("From", "Von", "De", "Van", "-", "_")):
        body = f"Words of the reply ({language}).\n\n{header}\n\nUnmarked old text\n"
    assert replies.extract_new_text(body) == f"Words of the reply ({language})."


@pytest.mark.parametrize(
    "forward",
    [
        "---------- Forwarded message ---------",
        "---------- Weitergeleitete Nachricht ---------",
        "---------- Message transféré ---------",
        "---------- Mensaje reenviado ---------",
        "---------- Doorgestuurd bericht ---------",
        "Begin forwarded message:",
        "Anfang der weitergeleiteten Nachricht:",
        "Début du message réexpédié :",
        "Inicio del mensaje reenviado:",
        "Begin doorgestuurd bericht:",
    ],
)
def test_forwarded_blocks_in_each_language_we_send_in_are_cut(forward):
    body = f"See below.\n\n{forward}\n\nFrom: Acme <survey@acme.example>\n\nOld text\n"
    assert replies.extract_new_text(body) == "See below."


def test_a_long_quoted_line_wrapped_without_its_marker_stays_in_the_quote():
    body = (
        f"Booked for Tuesday.\n\n{HEADER_EN}\n>\n"
        "> Your technician will arrive between 9 and 11 and will call you about thirty\n"
        "minutes before reaching your address.\n"
        "> Reply to this email to change the appointment time or the contact number\n"
        "we have on file.\n> Acme Field Service\n"
    )
    assert replies.extract_new_text(body) == "Booked for Tuesday."


def test_a_short_answer_right_under_a_short_quoted_question_is_kept():
    body = f"{HEADER_EN}\n> Did the technician come?\nYes, on time.\n> Anything else?\n"
    assert replies.extract_new_text(body) == "Yes, on time."


@pytest.mark.parametrize(
    "banner",
    [
        "CAUTION: This email came from outside the organisation. Do not open links or "
        "attachments unless you know the sender.",
        "[EXTERNAL] This message was sent from an external address.",
        "ACHTUNG: Diese E-Mail kommt von außerhalb des Unternehmens. Öffnen Sie keine Anhänge.",
        "ATTENTION : ce message provient de l'extérieur de l'organisation.",
        "PRECAUCIÓN: Este correo viene de fuera de la organización.",
        "LET OP: deze e-mail komt van buiten de organisatie.",
    ],
)
def test_a_gateways_external_sender_warning_above_the_reply_is_dropped(banner):
    body = f"{banner}\n\nThe delivery came two days late.\n"
    assert replies.extract_new_text(body) == "The delivery came two days late."


def test_a_reply_that_starts_with_a_warning_of_its_own_is_kept():
    body = "Warning: the export is broken for external users.\n\nIt fails since Monday."
    assert replies.extract_new_text(body).startswith("Warning: the export is broken")


@pytest.mark.parametrize(
    "header",
    [
        "Zitat von Acme <survey@acme.example>:",  # Horde (German)
        "Quoting Acme <survey@acme.example>:",  # Horde, SquirrelMail
        "Citation de Acme <survey@acme.example> :",
        "Citando Acme <survey@acme.example>:",
    ],
)
def test_webmail_quoting_lines_are_attributions(header):
    body = f"Passt so.\n\n{header}\n{QUOTE}"
    assert replies.extract_new_text(body) == "Passt so."


def test_oranges_dated_intro_above_its_header_block_is_cut():
    body = (
        'C\'est noté, merci.\n\nMessage du 09/10/25 08:05\nDe : "Acme" <survey@acme.example>\n'
        "A : chloe@example.fr\nObjet : Votre avis\n\nQuelle note nous donneriez-vous ?\n"
    )
    assert replies.extract_new_text(body) == "C'est noté, merci."


# HTML-only mails: where clients put the quote, whatever language its header is in.
HTML_REPLY = "<div>Dostawa była szybka.</div><div><br></div>"
HTML_QUOTES = {
    "outlook web": '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>Od:</b> Acme'
    "<br><b>Wysłane:</b> czwartek<br></div><div>Jak oceniasz?</div>",
    "outlook desktop": '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm">'
    "<p><b>Od:</b> Acme<br><b>Wysłane:</b> czwartek</p></div><p>Jak oceniasz?</p>",
    "yahoo": '<div class="yahoo_quoted"><div>W czwartek Acme napisał:</div>'
    "<div>Jak oceniasz?</div></div>",
    "proton": '<div class="protonmail_quote">Acme:<br><div>Jak oceniasz?</div></div>',
    "zoho": '<div class="zmail_extra"><div>---- Acme ----</div><div>Jak oceniasz?</div></div>',
    "outlook mobile": '<div id="ms-outlook-mobile-signature">Outlook dla iOS</div>'
    '<div id="mail-editor-reference-message-container"><div>Od: Acme</div>'
    "<div>Jak oceniasz?</div></div>",
}


@pytest.mark.parametrize("client", sorted(HTML_QUOTES))
def test_an_html_only_mails_quote_is_found_by_the_clients_markup(client):
    text = replies.text_from_html(HTML_REPLY + HTML_QUOTES[client])
    assert replies.extract_new_text(text) == "Dostawa była szybka."


@pytest.mark.parametrize(
    "header",
    [
        "tor. 9. okt. 2025 kl. 08:05 skrev Acme <survey@acme.example\n>:",
        "On Thu, Oct 9, 2025 at 8:05 AM Acme Surveys <survey@acme.example\n> wrote:",
    ],
)
def test_an_address_whose_closing_bracket_wrapped_onto_the_next_line_ends_the_header(header):
    body = f"Fungerer fint nå.\n\n{header}\n{QUOTE}"
    assert replies.extract_new_text(body) == "Fungerer fint nå."


def test_a_signature_under_a_bottom_posted_answer_is_not_part_of_it():
    body = (
        f"{HEADER_EN}{QUOTE}\nThe exports are slow.\n\n-- \n\n{'_' * 30}\n"
        "This message is confidential.\nAcme Ltd, 1 High Street\n"
    )
    assert replies.extract_new_text(body) == "The exports are slow."


@pytest.mark.parametrize(
    "body",
    [
        "I wrote to help@acme.example on 9/10/2025 at 08:05:\nno answer so far.",
        "Ich schrieb am 09.10.2025 um 08:05 an help@acme.example:\nbis heute keine Antwort.",
        "J'ai écrit le 09/10/2025 à 08:05 à help@acme.example :\ntoujours pas de réponse.",
    ],
)
def test_the_customer_telling_what_they_wrote_is_not_an_attribution(body):
    assert replies.extract_new_text(body) == body
