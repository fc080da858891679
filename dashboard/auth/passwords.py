"""The password policy (OWASP ASVS 5.0, 6.2): length, and no password that is common, breached or obvious here.

- 12 to 256 characters, anything allowed, no composition rules (6.2.1, 6.2.5, 6.2.9);
- not on zxcvbn's list of 30,000 common and breached passwords (6.2.4, 6.2.12), nor one of them with digits or
  symbols around it;
- without the monitor's names, the user's gemeente and the parts of the user's e-mail address, 12 characters must
  remain ("Hoorn2026hoorn!" is refused for a user of Hoorn);
- zxcvbn's estimate of the guesses an attacker needs, with Dutch words ("wachtwoord", "welkom", …), the monitor's
  names, the gemeenten of the region and the user's own e-mail address and gemeente as extra dictionary words,
  must reach 10^10: "Welkom2026!!" (10^8) and "nhsvmonitor2026" (10^8.3) are refused, a passphrase such as
  "een-goed-wachtwoord-123" (10^14.8) is not. 10^10 guesses of argon2id at about 30 ms each take one core ten
  thousand years.

zxcvbn is imported at the first check, not with the app: its dictionaries take about 13 MB, which every server worker
would otherwise hold from its start, while only the few requests that set a password need them.
"""

from __future__ import annotations

import functools
import re

from dashboard.i18n import gettext

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
MIN_GUESSES_LOG10 = 10
# zxcvbn's matching is quadratic in the length; beyond this a password's strength comes from its length anyway.
ESTIMATE_CHARACTERS = 72

# Words a Dutch user of this monitor reaches for first (zxcvbn's lists are English).
DUTCH_WORDS = (
    "wachtwoord", "welkom", "welkom01", "geheim", "inloggen", "hallo", "hoi", "doei", "gemeente", "gemeentehuis",
    "wethouder", "burgemeester", "ambtenaar", "college", "raadhuis", "veiligheid", "veilig", "samen", "radicalisering",
    "polarisatie", "signalen", "melding", "monitor", "nhsv", "noordholland", "noord", "holland", "kennemerland",
    "zaanstreek", "waterland", "westfriesland", "nederland", "amsterdam", "haarlem", "alkmaar", "zomer", "winter",
    "lente", "herfst", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
    "zondag", "liefde", "schatje", "lieverd", "voetbal", "ajax", "feyenoord", "psv", "azalkmaar", "oranje",
    "koning", "prinses", "kaas", "fiets", "tulp", "molen", "poes", "hond", "konijn", "qwerty", "azerty",
    "wachtwoord123", "welkom123", "beheer", "beheerder", "coordinator", "politie", "zorg", "veiligheidshuis",
)
# The monitor's own names: with the user's e-mail address and gemeente, the first words an attacker tries here.
MONITOR_NAMES = ("nhsv", "monitor", "noordhollandsamenveilig", "noord-holland samen veilig", "samenveilig")


class PasswordRefused(ValueError):
    """The password does not meet the policy; the message says why, in the language of the request (Dutch on the
    command line)."""


@functools.cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _core(password: str) -> str:
    """The password without digits and symbols at either end, lower case: 'Welkom2026!!' -> 'welkom'."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def personal_words(email: str | None = None, municipality_name: str | None = None) -> list[str]:
    """Words of this user an attacker tries first: the parts of the e-mail address and the gemeente's name."""
    words: list[str] = []
    if email:
        local, _, domain = email.lower().partition("@")
        words += [w for w in re.split(r"[^a-z0-9]+", local + " " + domain) if len(w) >= 3]
    if municipality_name:
        name = municipality_name.lower()
        words += [name, re.sub(r"[^a-z]", "", name), *re.split(r"[^a-z]+", name)]
    return [w for w in words if w]


def check(password: str | None, email: str | None = None, municipality_name: str | None = None,
          region_names: tuple[str, ...] = ()) -> None:
    """Raise PasswordRefused when `password` breaks the policy."""
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRefused(gettext("Het wachtwoord moet ten minste %(min)s tekens lang zijn.",
                                      min=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRefused(gettext("Het wachtwoord mag hoogstens %(max)s tekens lang zijn.",
                                      max=MAX_PASSWORD_LENGTH))
    if password.strip() == "":
        raise PasswordRefused(gettext("Het wachtwoord mag niet alleen uit spaties bestaan."))
    lowered = password.lower()
    if lowered in _common() or _core(password) in _common():
        raise PasswordRefused(gettext("Dit wachtwoord staat op een lijst van veelgebruikte of uitgelekte "
                                      "wachtwoorden. Kies een ander, bijvoorbeeld een zin van een paar woorden."))
    own = personal_words(email, municipality_name)
    obvious = set(DUTCH_WORDS) | set(own) | {n.lower() for n in region_names}
    if _core(password) in obvious or re.sub(r"[\W\d_]+", "", lowered) in obvious:
        raise PasswordRefused(gettext("Dit wachtwoord ligt te veel voor de hand (een woord als 'wachtwoord' of "
                                      "'welkom', de naam van de monitor, van een gemeente of uw e-mailadres). Kies "
                                      "een ander."))
    rest = lowered
    for word in sorted({*own, *MONITOR_NAMES}, key=len, reverse=True):
        rest = rest.replace(word, "")
    if len(rest) < MIN_PASSWORD_LENGTH:
        # 'Hoorn2026hoorn!': without the gemeente's name too little is left for zxcvbn to weigh it right
        raise PasswordRefused(gettext("Dit wachtwoord bestaat vooral uit de naam van de monitor, van uw gemeente of "
                                      "uit uw e-mailadres: zonder die woorden moeten er nog %(min)s tekens over "
                                      "zijn.", min=MIN_PASSWORD_LENGTH))
    from zxcvbn import zxcvbn

    inputs = [*DUTCH_WORDS, *own, *(n.lower() for n in region_names)]
    result = zxcvbn(password[:ESTIMATE_CHARACTERS], user_inputs=inputs, max_length=ESTIMATE_CHARACTERS)
    if result["guesses_log10"] < MIN_GUESSES_LOG10:
        if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
            reason = gettext("het bevat een woord dat voor de hand ligt (zoals 'wachtwoord', 'welkom', de naam van "
                             "de monitor, van een gemeente of uit uw e-mailadres)")
        elif any(m.get("dictionary_name") == "passwords" for m in result["sequence"]):
            reason = gettext("het lijkt op een veelgebruikt of uitgelekt wachtwoord")
        else:
            reason = gettext("het volgt een patroon dat snel te raden is (herhalingen, reeksen, jaartallen)")
        raise PasswordRefused(gettext("Dit wachtwoord is te gemakkelijk te raden: %(reason)s. Kies een langer "
                                      "wachtwoord, bijvoorbeeld een zin van een paar woorden die niet bij elkaar "
                                      "horen.", reason=reason))
