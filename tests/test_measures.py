"""The derived table against a hand calculation (DOMAIN.md section 4), including a missing submission."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from etl import measures, schema
from tests.conftest import good_values, load_bytes

HOORN, TEXEL = "GM0405", "GM0448"  # populations 76,202 and 13,958 (CBS 2026)
FIVE_PARTNERS = {"handhaving": True, "klantmanagers_wi": False, "jongerenwerk": True, "onderwijs": True,
                 "sociaal_wijkteam": True, "wijkagenten": True, "ggz_ggd": False}


def _mart(engine, code, quarter):
    mq = schema.municipality_quarter
    with engine.connect() as conn:
        return conn.execute(select(mq).where(mq.c.municipality_code == code, mq.c.quarter == quarter)).one()


@pytest.fixture
def loaded(engine, workbook):
    # Hoorn 2026Q2: LA1 Geborgd, LA2 Gerealiseerd, the rest In ontwikkeling
    q2 = good_values({"LA1": 3, "LA2": 2}, network=FIVE_PARTNERS)
    # Hoorn 2026Q3: LA2 falls back to In ontwikkeling, KE1 becomes Gerealiseerd; more FTE and signals
    q3 = good_values({"LA1": 3, "KE1": 2}, network=FIVE_PARTNERS,
                     resources={"capaciteit_fte": 2.0},
                     signals={"meldingen_radicalisering": 6, "meldingen_polarisatie": 4,
                              "meldingen_van_burgers": 3, "meldingen_van_professionals": 7, "ingebracht_zvh": 4})
    # Texel submits 2026Q3 only: its 2026Q2 is missing
    texel = good_values({b: 2 for b in ("LA1", "LA2", "LA3", "LA4", "LA5", "LA6")},
                        resources={"capaciteit_fte": 0.4, "budget_aanpak_eur": 7_000.0,
                                   "budget_interventies_eur": 0.0},
                        signals={"meldingen_radicalisering": 1, "meldingen_polarisatie": 0,
                                 "meldingen_van_burgers": 0, "meldingen_van_professionals": 1, "ingebracht_zvh": 1})
    for code, quarter, values in ((HOORN, "2026Q2", q2), (HOORN, "2026Q3", q3), (TEXEL, "2026Q3", texel)):
        report = load_bytes(engine, f"{code}_{quarter}.xlsx", workbook(code, quarter, values))
        assert report.outcome == "loaded", report.findings
    return engine


def test_hoorn_2026q2_by_hand(loaded):
    row = _mart(loaded, HOORN, "2026Q2")
    assert row.submitted
    assert row.score == pytest.approx((3 + 2 + 16 * 1) / 54 * 100)  # 38.89
    assert row.score_la == pytest.approx((3 + 2 + 4 * 1) / 18 * 100)  # 50.0
    assert row.score_ke == pytest.approx(4 / 12 * 100)  # all In ontwikkeling: 33.3
    assert row.blocks_in_order == 2
    assert row.fte_per_100k == pytest.approx(1.5 / 76_202 * 100_000)  # 1.968
    assert row.budget_per_1000 == pytest.approx((40_000 + 10_000) / 76_202 * 1_000)  # 656.15
    assert row.signals_total == 5
    assert row.signals_per_10k == pytest.approx(5 / 76_202 * 10_000)  # 0.656
    assert row.share_to_safety_house == pytest.approx(2 / 5)
    assert row.network_coverage == pytest.approx(5 / 7)
    assert row.score_change is None and row.regressions is None  # no quarter before it


def test_hoorn_2026q3_by_hand_with_change_and_regression(loaded):
    row = _mart(loaded, HOORN, "2026Q3")
    assert row.score == pytest.approx((3 + 2 + 16 * 1) / 54 * 100)
    assert row.score_la == pytest.approx((3 + 5 * 1) / 18 * 100)  # 44.4
    assert row.score_ke == pytest.approx((2 + 3) / 12 * 100)  # 41.7
    assert row.blocks_in_order == 2
    assert row.blocks_in_order_change == 0
    assert row.score_change == pytest.approx(0.0)
    assert row.regressions == 1  # LA2 from Gerealiseerd to In ontwikkeling
    assert row.fte_per_100k == pytest.approx(2.0 / 76_202 * 100_000)  # 2.625
    assert row.signals_per_10k == pytest.approx(10 / 76_202 * 10_000)  # 1.312
    assert row.share_to_safety_house == pytest.approx(0.4)
    with loaded.connect() as conn:
        bq = schema.block_quarter
        la2 = conn.execute(select(bq.c.status, bq.c.previous_status).where(
            bq.c.municipality_code == HOORN, bq.c.quarter == "2026Q3", bq.c.block_code == "LA2")).one()
    assert tuple(la2) == (1, 2)


def test_texel_missing_quarter_is_missing_not_zero(loaded):
    missing = _mart(loaded, TEXEL, "2026Q2")
    assert not missing.submitted
    assert missing.score is None and missing.blocks_in_order is None and missing.signals_total is None
    row = _mart(loaded, TEXEL, "2026Q3")
    assert row.score == pytest.approx((6 * 2 + 12 * 1) / 54 * 100)  # 44.4
    assert row.score_la == pytest.approx(100 * 12 / 18)
    assert row.blocks_in_order == 6
    assert row.fte_per_100k == pytest.approx(0.4 / 13_958 * 100_000)  # 2.866
    assert row.budget_per_1000 == pytest.approx(7_000 / 13_958 * 1_000)  # 501.5
    assert row.signals_per_10k == pytest.approx(1 / 13_958 * 10_000)
    assert row.network_coverage == 1.0
    assert row.score_change is None  # the quarter before was not submitted


def test_every_region_gemeente_has_a_row_per_loaded_quarter(loaded):
    with loaded.connect() as conn:
        mq = schema.municipality_quarter
        counts = conn.execute(select(mq.c.quarter, mq.c.submitted)).all()
    per_quarter = {}
    for q, submitted in counts:
        per_quarter.setdefault(q, []).append(submitted)
    assert {q: len(v) for q, v in per_quarter.items()} == {"2026Q2": 32, "2026Q3": 32}
    assert sum(per_quarter["2026Q3"]) == 2


def test_score_is_missing_when_a_block_is_missing():
    assert measures.progress_score([3, 2, None]) is None
    assert measures.progress_score([3, 3, 3]) == 100
    assert measures.share(1, 0) is None
