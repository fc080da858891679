"""Attack 1, names: another gemeente's name anywhere in what was sent."""

from __future__ import annotations

import re
from collections.abc import Iterable

from dashboard.data import warehouse
from tests.privacy.attacks.reading import all_text, others
from tests.privacy.crawl import Response


def names(responses: Iterable[Response], own: str) -> set[str]:
    """The other gemeenten named anywhere in what was sent (district names, which contain 'Waterland', are
    taken out first)."""
    districts = sorted(warehouse.districts(), key=len, reverse=True)
    code_of = {re.sub(r"\s*\(.*\)$", "", p.name): code for code, p in others(own).items()}
    pattern = re.compile(r"(?<![\wÀ-ÿ-])(" + "|".join(re.escape(n) for n in sorted(code_of, key=len, reverse=True))
                         + r")(?![\wÀ-ÿ-])")
    found: set[str] = set()
    for response in responses:
        text = all_text(response)
        for district in districts:
            text = text.replace(district, " ")
        found |= {code_of[m] for m in pattern.findall(text)}
    return found
