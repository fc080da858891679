"""The measures of DOMAIN.md section 4, defined once; the marts, the dashboard and the exports all use these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from etl.domain import IN_ORDER_FROM, MAX_STATUS, PARTNERS

# Per-inhabitant measures: capacity in FTE per 100,000, budget in € per 1,000, signals per 10,000 inhabitants.
FTE_PER = 100_000
BUDGET_PER = 1_000
SIGNALS_PER = 10_000
# The smallest amount a submission reports in practice (capacity in tenths of an FTE, budgets in hundreds of
# euros, whole signals): per inhabitant, an amount fits only populations for which value × population is a
# multiple of it, which is how an exact per-inhabitant figure gives a gemeente away (dashboard.data.scope).
REPORTED_STEP = {"fte_per_100k": 0.1, "budget_per_1000": 100.0, "signals_per_10k": 1.0}
# A gemeente is "well advanced" with at least this many blocks in order (a key figure of the overview).
ADVANCED_BLOCKS = 16


def progress_score(statuses: Iterable[int | None]) -> float | None:
    """Voortgangsscore 0–100: sum of statuses / (3 × number of blocks) × 100; missing if any block is."""
    values = list(statuses)
    if not values or any(v is None for v in values):
        return None
    return sum(values) / (MAX_STATUS * len(values)) * 100  # type: ignore[arg-type]


def theme_scores(statuses: Mapping[str, int], themes: Mapping[str, Iterable[str]]) -> dict[str, float | None]:
    """Voortgangsscore per theme; `themes` maps a theme code to its block codes."""
    return {t: progress_score(statuses.get(code) for code in codes) for t, codes in themes.items()}


def blocks_in_order(statuses: Iterable[int]) -> int:
    """Bouwstenen op orde: blocks with status Gerealiseerd or Geborgd."""
    return sum(1 for s in statuses if s >= IN_ORDER_FROM)


def per_inhabitants(value: float | None, population: int, per: int) -> float | None:
    """A value per `per` inhabitants (FTE per 100,000, € per 1,000, signals per 10,000)."""
    if value is None or not population:
        return None
    return value / population * per


def share(part: int | None, whole: int | None) -> float | None:
    """A share 0–1; missing when the whole is 0 or unknown."""
    if part is None or not whole:
        return None
    return part / whole


def network_coverage(network: Mapping[str, bool]) -> float:
    """Netwerkdekking: partner types taking part / 7."""
    return sum(1 for p in PARTNERS if network.get(p)) / len(PARTNERS)


def change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return now - before


def regressions(now: Mapping[str, int], before: Mapping[str, int] | None) -> int | None:
    """Terugval: the number of blocks whose status went down since the previous quarter."""
    if before is None:
        return None
    return sum(1 for code, s in now.items() if code in before and s < before[code])
