"""Whether a text reads in English: the Dutch interface words it may not hold outside the region's own texts, and
the texts a reader meets in a serialised Dash tree. Used by the i18n tests and the account pages' tests."""

from __future__ import annotations

import re

# Words of Dutch interface text that do not occur in English. A page rendered in English may hold none of them
# outside the region's own texts (names, the checklist, events, explanations, stored findings, proper names).
DUTCH_WORDS = frozenset("""
    de het een van en niet op met voor naar bij zijn wordt worden werd geen alle ook nog uit aan dit deze die dat
    heeft hebben hun u uw er te kan moet zo wel als ja nee andere eigen waar wie wat hoe zich
    gemeente gemeenten kwartaal kwartalen bouwsteen bouwstenen toelichting toelichtingen aangeleverd aanleveren
    aanlevering aanleveringen meldingen melding inwoners inwonertal orde overzicht vergelijken vergelijking
    ontwikkeling signalen verantwoording bron bronnen geladen legenda kerncijfers mediaan mediane regio thema
    themas kies toon tabel uitleg toepassen uitloggen inloggen wachtwoord gegevens pagina waarde spreiding groep
    terugval capaciteit netwerkdekking voortgangsscore afgewezen ontbreekt waarschuwing waarschuwingen bestand
    sjabloon datum gebeurtenis gebeurtenissen naam maat maten totaal aantal aantallen zie gestart gerealiseerd
    geborgd ontwikkeling ingebracht afgeschermd kaart grafiek grafieken rangorde positie vergelijkingsgroep
    coördinator coördinatoren beheerder versie versies geweigerd ernst plaats
""".split())
# Dutch proper names that stay as they are in English text
PROPER_NAMES = ("Noord-Holland Samen Veilig", "Zorg- en Veiligheidshuis",
                "'De bouwstenen voor een effectieve aanpak van polarisatie en radicalisering voor gemeenten'")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def dutch_words(texts, region: list[str]) -> dict[str, str]:
    """Dutch interface words in `texts` once the region's own texts are taken out: word → where it was found."""
    found: dict[str, str] = {}
    for item in texts:
        rest = item
        for own in region:
            if own in rest:
                rest = rest.replace(own, " ")
        for word in WORD.findall(rest):
            if word.lower() in DUTCH_WORDS and word.lower() not in found:
                found[word.lower()] = item[:160]
    return found


FIGURE_TEXT = {"text", "hovertext", "hovertemplate", "name", "ticktext"}
SHOWN_PROPS = ("aria-label", "title", "alt", "placeholder")


def _figure_texts(obj, out: list[str]) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in FIGURE_TEXT or (key == "title" and isinstance(value, str)):
                _strings(value, out)
            else:
                _figure_texts(value, out)
    elif isinstance(obj, list):
        for value in obj:
            _figure_texts(value, out)


def _strings(obj, out: list[str]) -> None:
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        for value in obj:
            _strings(value, out)


def shown_texts(obj, out: list[str] | None = None) -> list[str]:
    """What a reader meets in a serialised Dash tree: text, names for assistive technology and tooltips, and the
    charts' titles, axes, legends, labels, hover texts and toolbar."""
    out = [] if out is None else out
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        for value in obj:
            shown_texts(value, out)
    elif isinstance(obj, dict) and "props" in obj:
        props = obj["props"]
        shown_texts(props.get("children"), out)
        out += [props[k] for k in SHOWN_PROPS if isinstance(props.get(k), str)]
        if obj.get("type") == "Graph":
            _figure_texts(props.get("figure"), out)
            for locale in (props.get("config") or {}).get("locales", {}).values():
                out += list(locale.get("dictionary", {}).values())
    return out
