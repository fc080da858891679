"""The interface's languages: Dutch, the source and the default, and English, through gettext catalogues (Babel).

Every text of the interface is written in Dutch in the code and passed through `gettext` (`_`) when it is shown;
module-level texts are marked with `N_` and translated where they are used. `pybabel extract` (babel.cfg) collects
them into dashboard/translations/messages.pot; the English texts are in translations/en/LC_MESSAGES/messages.po.

The language of a request, in this order:
1. `?lang=nl` or `?lang=en` on any page (also the login form's hidden `lang`); for a logged-in user a GET with
   `?lang=` also stores the choice (app_user.language, see `init_app`);
2. a logged-in user: the stored choice, or Dutch when there is none;
3. someone not logged in (the login page, error pages): the `lang` of the page they are sent on to (`next`), else
   the browser's Accept-Language between nl and en, else Dutch.
Outside a request (the command line, the quarterly packs, worker threads) the language is Dutch. `force_language`
sets it for a block of code: the quarterly packs are built in Dutch whatever the request's language, each mail in
its recipient's language (dashboard.accounts.mails), and the pages of a login waiting for its second factor in the
language of the user it is for (dashboard.auth.second_factor).

The English .po is read and compiled in memory at the first use in a process (a few tens of milliseconds), so the
.po is the one source: there is no compiled .mo to build, ship or let go stale. Without the .po the interface
falls back to Dutch and says so in the log.

Numbers and dates are written with Babel's CLDR data per language (dashboard.formatting); for English the
conventions are British (29/11/2026, day first), closer to what Dutch readers expect than the American ones.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import flask

log = logging.getLogger(__name__)

SOURCE = DEFAULT = "nl"
LANGUAGES = ("nl", "en")
NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language: the switch shows them so
FORMAT_LOCALES = {"nl": "nl_NL", "en": "en_GB"}  # Babel locales for numbers and dates
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
_G_KEY = "nhsv_language"

_forced: ContextVar[str | None] = ContextVar("nhsv_forced_language", default=None)
F = TypeVar("F", bound=Callable)


def N_(text: str) -> str:
    """Marks a module-level text for extraction; it is translated where it is shown (`gettext(CONSTANT)`)."""
    return text


# --- the catalogues ------------------------------------------------------------------------------------------

def catalogue_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str):
    """The gettext translations of a language: Dutch is the source (texts as written); another language's .po
    compiled in memory. A missing or unreadable .po gives Dutch, with an error in the log."""
    from babel.support import NullTranslations, Translations

    if lang == SOURCE:
        return NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = catalogue_path(lang)
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
    except (OSError, ValueError) as problem:
        log.error("no translations for %r (%s): the interface stays Dutch", lang, problem)
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


# --- the current language ------------------------------------------------------------------------------------

def _valid(value) -> str | None:
    value = (value or "").strip().lower() if isinstance(value, str) else None
    return value if value in LANGUAGES else None


def _user_language() -> tuple[bool, str | None]:
    """(logged in, the stored choice) of the request's user. An error page has told the sessions not to read the
    database again (dashboard.auth.sessions.without_database): its user is anonymous here."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return True, _valid(getattr(current_user, "language", None))
    return False, None


def asked() -> str | None:
    """The language this request asks for by itself: `?lang=`, or the `lang` a form carries (the login form
    carries the language it was shown in); None when it asks for none."""
    request = flask.request
    chosen = _valid(request.args.get("lang"))
    if chosen is None and request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        chosen = _valid(request.form.get("lang"))
    return chosen


def _select() -> str:
    request = flask.request
    chosen = asked()
    if chosen:
        return chosen
    logged_in, stored = _user_language()
    if logged_in:
        return stored or DEFAULT
    target = request.values.get("next") if request.mimetype != "application/json" else None
    if target:
        from_next = _valid((parse_qs(urlsplit(target).query).get("lang") or [None])[0])
        if from_next:
            return from_next
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def language() -> str:
    """The language of the interface now: 'nl' or 'en'."""
    forced = _forced.get()
    if forced:
        return forced
    if not flask.has_request_context():
        return DEFAULT
    chosen = flask.g.get(_G_KEY)
    if chosen is None:
        chosen = _select()
        setattr(flask.g, _G_KEY, chosen)
    return chosen


@contextmanager
def force_language(lang: str) -> Iterator[None]:
    """Everything inside the block speaks `lang`, whatever the request asked."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    token = _forced.set(lang)
    try:
        yield
    finally:
        _forced.reset(token)


def in_dutch(function: F) -> F:
    """A function that always works in Dutch (the quarterly packs: their texts are the region's documents)."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with force_language(SOURCE):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# --- translating ---------------------------------------------------------------------------------------------

def gettext(msgid: str, **params) -> str:
    """The text in the current language; `%(name)s` placeholders are filled from `params`. (The empty text stays
    empty: gettext would give the catalogue's header for it.)"""
    text = translations(language()).gettext(msgid) if msgid else msgid
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params) -> str:
    """One of two forms by `n` (available as `%(num)s`, written as the language writes numbers)."""
    from dashboard.formatting import number

    text = translations(language()).ngettext(singular, plural, n)
    return text % {"num": number(n), **params}


_ = gettext


def html_lang() -> str:
    """The value of <html lang> for the current language."""
    return language()


def switch_url(lang: str) -> str:
    """This request's URL with `lang` set: the language switch's link (query and `next` kept)."""
    request = flask.request
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if request.method == "POST" and "next" not in request.args and request.form.get("next"):
        args.append(("next", request.form["next"]))
    return request.path + "?" + urlencode([*args, ("lang", lang)])


def other_languages() -> list[tuple[str, str]]:
    """(code, name in its own language) of the languages the switch offers: the ones not in use."""
    current = language()
    return [(code, NAMES[code]) for code in LANGUAGES if code != current]


# --- on the server -------------------------------------------------------------------------------------------

def store_choice(user_id: int, lang: str) -> None:
    """Remember a logged-in user's language (app_user.language)."""
    from sqlalchemy import update

    from dashboard.auth import config
    from etl import schema

    with config.current().engine.begin() as conn:
        conn.execute(update(schema.user).where(schema.user.c.id == user_id).values(language=lang))


def _remember_choice() -> None:
    """A GET with `?lang=` by a logged-in user stores the choice, so that Dash's callbacks and later visits
    (which carry no `?lang=`) speak it too."""
    from flask_login import current_user

    request = flask.request
    asked = _valid(request.args.get("lang"))
    if request.method != "GET" or asked is None or not current_user.is_authenticated:
        return
    if getattr(current_user, "language", None) != asked:
        store_choice(current_user.user_id, asked)
        current_user.language = asked


def _template_context() -> dict:
    """<html lang> and the language switch for the templates; a template rendered outside a request (a mail from
    the command line) gets no switch."""
    links = ([(code, name, switch_url(code)) for code, name in other_languages()]
             if flask.has_request_context() else [])
    return {"html_lang": html_lang(), "language_links": links}


def install_gettext(env) -> None:
    """`_`, `gettext` and `ngettext` in a Jinja environment (the Flask pages', the mails'), speaking the language
    of the moment: the request's, or the one `force_language` sets."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(
        lambda text: translations(language()).gettext(text),
        lambda singular, plural, n: translations(language()).ngettext(singular, plural, n),
        newstyle=True)


def init_app(server: flask.Flask) -> None:
    """The language on the Flask server: storing `?lang=`, gettext in the Jinja templates, `<html lang>` and the
    language switch there. Call after the login is set up (its guard runs first)."""
    server.before_request(_remember_choice)
    install_gettext(server.jinja_env)
    server.context_processor(_template_context)
    for lang in LANGUAGES:
        translations(lang)  # read once at start, not on a user's first request


__all__ = [
    "DEFAULT", "LANGUAGES", "NAMES", "N_", "SOURCE", "asked", "force_language", "gettext", "html_lang", "in_dutch",
    "init_app", "install_gettext", "language", "ngettext", "other_languages", "switch_url", "translations",
]
