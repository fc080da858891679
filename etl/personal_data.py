"""Recognises personal data in the free text of a submission, so that none of it reaches the warehouse.

DOMAIN.md: no personal data ever. A submission holds statuses and counts; its only free text is a short
explanation per building block (and the few cells a person can type anything into). This module answers one
question about such a text: does it look like it holds an e-mail address, a phone number, a BSN, an IBAN, a
postcode, a street with a house number or a date of birth — and if so, which kinds (in Dutch, for the message).
It never returns the matched text: a finding names the cell and the kind, never the data.

How it is made hard to fool:
- The text is normalised first (`normalise`): NFKC (full-width ``＠`` and ``０６``, ligatures), every Unicode
  decimal digit to ASCII, invisible characters (zero-width space, soft hyphen) removed, dashes unified, lower case.
- E-mail addresses are also found when written around the at-sign or dots: ``[at]``, ``(at)``, ``{at}``,
  ``apenstaartje``, ``[dot]``, ``(punt)``, and `` at `` / `` dot `` / `` punt `` where what follows looks like
  a domain (``jan at texel dot nl``), so that "jongeren at risk" is not an address.
- Phone numbers are found by Google's libphonenumber (`phonenumbers.PhoneNumberMatcher` with region NL and
  leniency VALID: Dutch and international numbers in their usual spellings, with brackets, dots, dashes and
  spaces), and again on a view of the text where every run of digits and separators is taken as a candidate
  (``tel06-12345678``, ``06_12345678``), checked with `phonenumbers.is_valid_number`. Service numbers that
  belong to organisations, never to a person (0800, 0900, 088, 14 0xxx), are let through.
- BSN: a number of 8 or 9 digits, also with separators (``123-456-782``, ``1112.22.333``), that passes the
  eleven-test (`stdnum.nl.bsn`); any such number right after the word "bsn" or "burgerservicenummer" even
  when it fails the test (a mistyped BSN is still one). Amounts (``€ 123.456.782``) are not candidates.
- Postcodes: four digits and two letters (``1621AB``, ``1621 AB``, ``1621ab``), checked with
  `stdnum.nl.postcode`. With a space and in lower case ("2026 in") only when a house number follows.
- Street and house number: a capitalised word ending in a Dutch street suffix (straat, laan, weg, plein, …)
  followed by a number that is not a unit ("Kerkstraat 3 keer") or a year; and any number after "woont",
  "woonachtig", "adres" or "huisnummer".
- Date of birth: a date (``12-03-1990``, ``12 maart 1990``, ``1990-03-12``) or a year within a few words of
  "geboren", "geb." or "geboortedatum".

The corpus in tests/data/persoonsgegevens.yaml holds the examples every change is checked against: texts that
must be refused and ordinary policy sentences (amounts, years, quarters, article numbers, fte) that must pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberType
from stdnum import iban
from stdnum.nl import bsn, postcode

from etl import findings as F

EMAIL = "een e-mailadres"
PHONE = "een telefoonnummer"
BSN = "een nummer dat een burgerservicenummer kan zijn"
IBAN = "een bankrekeningnummer (IBAN)"
POSTCODE = "een postcode"
ADDRESS = "een adres (straat met huisnummer)"
BIRTH_DATE = "een geboortedatum"

KINDS = (EMAIL, PHONE, BSN, IBAN, BIRTH_DATE, ADDRESS, POSTCODE)

# Numbers of organisations, never of a person: free (0800), paid (0900, 0906, 0909), shared cost, and the
# nationwide company and municipality numbers (088, 14 0xxx), which libphonenumber calls UAN.
_SERVICE_TYPES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
                  PhoneNumberType.UAN}


# --- normalisation -----------------------------------------------------------------------------------------

_INVISIBLE = {"Cf"}  # format characters: zero-width space and joiners, soft hyphen, BOM, direction marks


def normalise(text: str) -> str:
    """The text as the detectors read it: NFKC, ASCII digits, no invisible characters, one kind of dash and
    space, lower case."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _INVISIBLE:
            continue
        if category == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif category == "Pd":
            out.append("-")
        elif category == "Zs" or ch in "\t\r\n\x0b\x0c":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).lower()


_AT_WRITTEN = re.compile(r"\s*(?:[\[({<]\s*(?:at|a|@|apenstaartje)\s*[\])}>]|\bapenstaartje\b|\bat-teken\b)\s*")
_DOT_WRITTEN = re.compile(r"\s*[\[({<]\s*(?:dot|punt|\.)\s*[\])}>]\s*")
# "jan at texel dot nl", "jan.jansen at texel.nl": a plain " at " only where a domain follows
_AT_PLAIN = re.compile(r"(?<=[a-z0-9._%+-])\s+at\s+(?=[a-z0-9-]+(?:\s*\.\s*|\s+(?:dot|punt)\s+)[a-z]{2,}\b)")
_DOT_IN_DOMAIN = re.compile(r"(@[a-z0-9.-]*?[a-z0-9-])(?:\s*\.\s*|\s+(?:dot|punt)\s+)(?=[a-z0-9-]+)")
_AT_SPACED = re.compile(r"\s*@\s*")
_EMAIL = re.compile(r"[a-z0-9._%+'-]*[a-z0-9_%+'-]@[a-z0-9-]+(?:\.[a-z0-9-]+)*")


def _email_view(text: str) -> str:
    text = _AT_WRITTEN.sub("@", text)
    text = _DOT_WRITTEN.sub(".", text)
    text = _AT_PLAIN.sub("@", text)
    text = re.sub(r"(?<=[a-z0-9._%+-])" + _AT_SPACED.pattern + r"(?=[a-z0-9])", "@", text)
    for _ in range(5):  # "texel dot gemeente dot nl": one domain label at a time
        changed = _DOT_IN_DOMAIN.sub(r"\1.", text)
        if changed == text:
            break
        text = changed
    return text


def _has_email(text: str) -> bool:
    return _EMAIL.search(_email_view(text)) is not None


# --- phone numbers -----------------------------------------------------------------------------------------

# what the matcher needs a word boundary for: numbers glued to a word ("tel06-12345678"), unusual separators
# ("06_12345678", "06:12345678"), a letter o for a zero ("o6-12345678")
_GLUED = re.compile(r"(?<=[a-z])(?=[0-9+])|(?<=[0-9])(?=[a-z])")
_ODD_SEPARATOR = re.compile(r"(?<=[0-9])[_:*|](?=[0-9])")
_LETTER_O = re.compile(r"(?<![a-z])o(?=[0-9])|(?<=[0-9])o(?![a-z])")


def _personal_number(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) not in _SERVICE_TYPES


def _phone_in(text: str) -> bool:
    return any(_personal_number(m.number)
               for m in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=Leniency.VALID))


def _has_phone(text: str) -> bool:
    if _phone_in(text):
        return True
    loosened = _ODD_SEPARATOR.sub(" ", _GLUED.sub(" ", _LETTER_O.sub("0", text)))
    return loosened != text and _phone_in(loosened)


# --- numbers: BSN and IBAN --------------------------------------------------------------------------------

_NUMBER_RUN = re.compile(r"(?<![0-9.,])[0-9](?:[0-9]|[ .-](?=[0-9])){7,13}(?![0-9]|[.,][0-9])")
_AMOUNT_BEFORE = re.compile(r"(?:€|eur|euro|eu|\$|£)\s*$")
_AMOUNT_AFTER = re.compile(r"^\s*(?:€|eur\b|euro|,-|,--)")
_DATE_SHAPE = re.compile(r"[0-9]{1,2}[ .-][0-9]{1,2}[ .-](?:19|20)[0-9]{2}"
                         r"|(?:19|20)[0-9]{2}[ .-][0-9]{1,2}[ .-][0-9]{1,2}")
_BSN_WORD = re.compile(r"\b(?:bsn|burgerservicenummer|burgerservice-nummer|sofinummer|sofi-nummer)\b[^0-9]{0,20}$")
_IBAN_CANDIDATE = re.compile(r"\b[a-z]{2}[0-9]{2}(?:\s?[a-z0-9]){10,30}\b")


def _number_candidates(text: str) -> Iterator[tuple[str, str, str]]:
    """(digits, text before, text after) of every run of 8 or 9 digits, separators allowed."""
    for match in _NUMBER_RUN.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group())
        if len(digits) in (8, 9) and not _DATE_SHAPE.fullmatch(match.group()):
            yield digits, text[:match.start()], text[match.end():]


def _has_bsn(text: str) -> bool:
    for digits, before, after in _number_candidates(text):
        if _AMOUNT_BEFORE.search(before) or _AMOUNT_AFTER.search(after):
            continue
        if _BSN_WORD.search(before):
            return True
        if bsn.is_valid(digits):
            return True
    return False


def _has_iban(text: str) -> bool:
    return any(iban.is_valid(m.group()) for m in _IBAN_CANDIDATE.finditer(text))


# --- places: postcode, street and house number --------------------------------------------------------------

# postcodes in the text as typed (case matters: "2026 IN" is not "in 2026 in")
_POSTCODE = re.compile(r"(?<![0-9a-z])([1-9][0-9]{3})(\s?)([a-z]{2})(?![a-z0-9-])", re.IGNORECASE)
_HOUSE_NUMBER_AFTER = re.compile(r"^\s*,?\s*[0-9]{1,5}(?![0-9])")
_PLACE_AFTER = re.compile(r"^\s*,?\s*[A-ZÀ-Þ][a-zà-ÿ]{2,}")
_NUMBER_BEFORE = re.compile(r"[0-9][a-zA-Z]?\s*,?\s*$")
_STREET_SUFFIXES = ("straat", "straatje", "laan", "weg", "plein", "gracht", "kade", "dijk", "dreef", "singel",
                    "steeg", "hof", "plantsoen", "boulevard", "allee", "markt", "pad", "park", "haven", "wal",
                    "baan", "vaart", "zijde", "hoeve", "straatweg", "dwarsstraat", "burgwal", "steiger")
_STREET = re.compile(r"(?<![\w])([A-ZÀ-Þ][\w'’-]*(?:" + "|".join(_STREET_SUFFIXES) + r"))\s+([0-9]{1,4})"
                     r"(\s*[-/]\s*[0-9]{1,4}|\s*-?\s*[a-zA-Z](?![\w])|\s*(?:bis|hs|huis|boven|beneden)\b)?"
                     r"(?![0-9]|[,.][0-9])")
_NOT_A_HOUSE_NUMBER = re.compile(r"^\s*(?:%|procent|fte|uur|uren|keer|x\b|euro|€|eur\b|jaar|jaren|maand|maanden|"
                                 r"week|weken|dag|dagen|minuten|km|kilometer|meter|m\b|personen|deelnemers|"
                                 r"partners|medewerkers|trajecten|meldingen|signalen|gemeenten|scholen|woningen|"
                                 r"inwoners|bijeenkomsten|sessies|e\b|ste\b|de\b)")
# "woont Dorpsstraat 5", "adres: Grote Oost 12", "huisnummer 12": capitalised words and a number after the cue
_LIVES_AT = re.compile(r"(?i:\b(?:woont|wonend|wonende|woonachtig|woonadres|adres|verblijft)\b)[:\s]+"
                       r"(?:(?i:aan|op|in|te|bij)\s+(?:(?i:de|het)\s+)?)?(?:[A-ZÀ-Þ][\w'’.-]*\s+){1,4}"
                       r"[0-9]{1,5}(?![0-9,.])|(?i:\bhuisnummer\b)[:\s]*[0-9]{1,5}")


def _has_postcode(original: str) -> bool:
    for match in _POSTCODE.finditer(original):
        digits, space, letters = match.groups()
        if not postcode.is_valid(digits + letters):
            continue
        after, before = original[match.end():], original[:match.start()]
        context = bool(_HOUSE_NUMBER_AFTER.search(after) or _PLACE_AFTER.search(after) or _NUMBER_BEFORE.search(before))
        if not space and (letters.isupper() or letters.islower()):
            return True  # "1621AB", "1621ab"
        if letters.isupper() and not 1900 <= int(digits) <= 2100:
            return True  # "1621 AB"; but "in 2025 OM en politie" is a year and an abbreviation
        if context:
            return True  # "2011 AB Haarlem", "1621 ab 12", "Kerkstraat 12, 2011 AB"
    return False


def _has_street_address(original: str, text: str) -> bool:
    for match in _STREET.finditer(original):
        number, addition = match.group(2), match.group(3)
        after = original[match.end():].lower()
        if _NOT_A_HOUSE_NUMBER.search(after):
            continue
        if len(number) == 4 and 1900 <= int(number) <= 2100 and not addition:
            continue  # "Deltaplan Weg 2026": a year, not a house number
        return True
    return _LIVES_AT.search(original) is not None


# --- dates of birth -----------------------------------------------------------------------------------------

_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
           "jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec")
_DATE = (r"(?:[0-9]{1,2}\s*[-/.]\s*[0-9]{1,2}\s*[-/.]\s*(?:[0-9]{4}|[0-9]{2})(?![0-9])"
         r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
         r"|[0-9]{1,2}\s+(?:" + _MONTHS + r")\.?\s+[0-9]{4}"
         r"|(?:19|20)[0-9]{2})")
_BIRTH = re.compile(r"(?:\bgeboren\b|\bgeb\b\.?|\bgeboortedatum\b|\bgeboortejaar\b|\bgeb\.?datum\b|\bd\.?o\.?b\b|"
                    r"\bdate of birth\b|\bborn\b)[^0-9]{0,25}" + _DATE)


def _has_birth_date(text: str) -> bool:
    return _BIRTH.search(text) is not None


# --- the question ---------------------------------------------------------------------------------------------


# Fast paths (every cell of every submission is screened; most are a status, a number or a date): every kind
# needs a digit except an e-mail address, which needs an at-sign or a word for one.
_PLAIN_VALUE = re.compile(r"-?[0-9]{1,6}(?:[.,][0-9]{1,6})?|[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}:[0-9]{2})?"
                          r"|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}|[0-9]{4}\s*[qQ][1-4]")
_AT_CUE = re.compile(r"@|\bat\b|apenstaartje|at-teken|[\[({<]\s*a\s*[\])}>]", re.IGNORECASE)


def _cannot_hold_personal_data(text: str) -> bool:
    if not text.isascii():
        return False  # full-width and other digits and at-signs: the full screening after normalisation
    stripped = text.strip()
    if _PLAIN_VALUE.fullmatch(stripped):
        return True  # "12", "1,5", "2026-08-12", "12-08-2026", "2026Q3"
    return not any(ch.isdigit() for ch in stripped) and not _AT_CUE.search(stripped)


def kinds(text: str) -> list[str]:
    """Every kind of personal data the text seems to hold (in Dutch, in the order of KINDS); [] when none."""
    if not text or not text.strip() or _cannot_hold_personal_data(text):
        return []
    original = unicodedata.normalize("NFKC", text)
    original = "".join(str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c for c in original
                       if unicodedata.category(c) not in _INVISIBLE)
    plain = normalise(text)
    found = []
    if _has_email(plain):
        found.append(EMAIL)
    if _has_phone(plain):
        found.append(PHONE)
    if _has_bsn(plain):
        found.append(BSN)
    if _has_iban(plain):
        found.append(IBAN)
    if _has_birth_date(plain):
        found.append(BIRTH_DATE)
    if _has_street_address(original, plain):
        found.append(ADDRESS)
    if _has_postcode(original):
        found.append(POSTCODE)
    return found


def describe(found: list[str]) -> str:
    """'een telefoonnummer', 'een e-mailadres en een telefoonnummer', 'a, b en c'."""
    if len(found) <= 1:
        return "".join(found)
    return ", ".join(found[:-1]) + " en " + found[-1]


def kind(text: str) -> str | None:
    """The kinds of personal data in the text as one Dutch phrase, or None."""
    found = kinds(text)
    return describe(found) if found else None


def finding(place: str, what: str, text: str) -> F.Finding | None:
    """The fatal finding for a cell whose text looks like personal data, naming the cell (`place`), what it is
    ("de toelichting bij LA3") and the kinds — never the text; None when the text looks clean."""
    found = kind(text)
    return None if found is None else fatal(place, what, found)


def fatal(place: str, what: str, found: str) -> F.Finding:
    """The fatal finding for the cell at `place` (`what` it is) in which `kind` found `found`."""
    return F.fatal(F.PERSONAL_DATA, place, f"{what} lijkt {found} te bevatten; deze monitor bevat geen "
                   "persoonsgegevens — verwijder het en lever opnieuw aan")


__all__ = ["ADDRESS", "BIRTH_DATE", "BSN", "EMAIL", "IBAN", "KINDS", "PHONE", "POSTCODE", "describe", "fatal",
           "finding", "kind", "kinds", "normalise"]
