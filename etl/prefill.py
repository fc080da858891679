"""The values a gemeente reported last, in the shape the template writer takes, and the pre-filled template.

A template is pre-filled with the gemeente's last active submission up to and including the template's quarter:
for a quarter not yet submitted that is the latest earlier quarter (last quarter's answers, to change where
something changed); for a quarter already submitted it is that quarter's active version (to correct it).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, select

from etl import reference, schema
from etl.domain import PARTNERS, Quarter, today
from etl.template import build_workbook


class TemplateRequestError(ValueError):
    """A template that cannot be made (unknown gemeente, outside the region, bad quarter); Dutch message."""


@contextmanager
def _connection(conn_or_engine: Connection | Engine):
    if isinstance(conn_or_engine, Connection):
        yield conn_or_engine
    else:
        with conn_or_engine.connect() as conn:
            yield conn


def _quarter(value: Quarter | str) -> Quarter:
    return value if isinstance(value, Quarter) else Quarter.parse(str(value))


def last_values(conn_or_engine: Connection | Engine, code: str, before_quarter: Quarter | str
                ) -> dict[str, Any] | None:
    """The values of the gemeente's latest active submission of a quarter before `before_quarter`, as
    `build_workbook` takes them (statuses, explanations, resources, signals, network), or None if there is none.
    """
    s, q = schema.submission, schema.quarter
    before = _quarter(before_quarter)
    with _connection(conn_or_engine) as conn:
        row = conn.execute(
            select(s.c.id, s.c.quarter).join(q, q.c.code == s.c.quarter)
            .where(s.c.municipality_code == code, s.c.status == "active", q.c.position < before.position)
            .order_by(q.c.position.desc()).limit(1)).first()
        if row is None:
            return None
        sid = row.id
        bs, r, sg, nw = schema.block_status, schema.resources, schema.signals, schema.network
        blocks = conn.execute(select(bs.c.block_code, bs.c.status, bs.c.explanation)
                              .where(bs.c.submission_id == sid)).all()
        res = conn.execute(select(r).where(r.c.submission_id == sid)).mappings().first()
        sig = conn.execute(select(sg).where(sg.c.submission_id == sid)).mappings().first()
        net = conn.execute(select(nw.c.partner, nw.c.connected).where(nw.c.submission_id == sid)).all()

    current = {b.code for b in reference.blocks()}  # a block of an older checklist has no row in the template
    values: dict[str, Any] = {
        "source_quarter": row.quarter,  # which quarter the values come from (not a template field)
        "statuses": {b.block_code: int(b.status) for b in blocks if b.block_code in current},
        "explanations": {b.block_code: b.explanation for b in blocks if b.block_code in current and b.explanation},
        "resources": {},
        "signals": {},
        "network": {p.partner: bool(p.connected) for p in net if p.partner in PARTNERS},
    }
    if res is not None:
        training = res["last_training_on"]
        if isinstance(training, dt.datetime):
            training = training.date()
        elif isinstance(training, str):
            training = dt.date.fromisoformat(training[:10])
        values["resources"] = {
            "capaciteit_fte": float(res["capacity_fte"]),
            "budget_aanpak_eur": float(res["budget_approach_eur"]),
            "budget_interventies_eur": float(res["budget_interventions_eur"]),
            "medewerkers_getraind": int(res["staff_trained"]),
            "datum_laatste_training": training,
            "interventietrajecten_lopend": int(res["interventions_active"]),
        }
    if sig is not None:
        values["signals"] = {
            "meldingen_radicalisering": int(sig["radicalisation"]),
            "meldingen_polarisatie": int(sig["polarisation"]),
            "meldingen_van_burgers": int(sig["from_citizens"]),
            "meldingen_van_professionals": int(sig["from_professionals"]),
            "ingebracht_zvh": int(sig["to_safety_house"]),
        }
    return values


def check_request(code: str, quarter: Quarter | str) -> tuple[reference.Municipality, Quarter]:
    """The gemeente and quarter of a template request, or TemplateRequestError with a Dutch message."""
    code = str(code or "").strip().upper().replace(" ", "")
    municipality = reference.municipalities().get(code)
    if municipality is None:
        raise TemplateRequestError(f"gemeentecode {code or '(leeg)'} is onbekend; gebruik de CBS-code, "
                                   "bijvoorbeeld GM0405 voor Hoorn")
    if not municipality.in_region:
        raise TemplateRequestError(f"{municipality.name} ({code}) hoort niet bij de regio van deze monitor "
                                   "(Noord-Holland Samen Veilig)")
    try:
        q = _quarter(quarter)
    except ValueError:
        raise TemplateRequestError(f"'{quarter}' is geen kwartaal; schrijf jaar en kwartaal als 2026Q3") from None
    if q.start > today():
        raise TemplateRequestError(f"het kwartaal {q.code} is nog niet begonnen; er kan pas over worden "
                                   "aangeleverd als het begonnen is")
    if q < reference.QUARTERS_FROM:
        raise TemplateRequestError(f"het kwartaal {q.code} ligt voor {reference.QUARTERS_FROM.code}, het "
                                   "begin van de monitor")
    return municipality, q


def template_bytes(engine: Connection | Engine, code: str, quarter: Quarter | str) -> bytes:
    """The template (xlsx bytes) for one gemeente and quarter, pre-filled with its last active submission up to
    and including that quarter. Raises TemplateRequestError for an unknown gemeente, one outside the region or
    a bad quarter."""
    municipality, q = check_request(code, quarter)
    values = last_values(engine, municipality.code, q.next())
    if values is not None:
        if values["source_quarter"] != q.code:
            # Counts of one quarter (signals, staff trained this quarter) must be counted anew, not carried
            # over: left empty, an unchanged template is refused with "leeg" rather than loaded with old counts.
            values["signals"] = {}
            values["resources"] = {k: v for k, v in values["resources"].items() if k != "medewerkers_getraind"}
        values = {k: v for k, v in values.items() if k != "source_quarter"}
    return build_workbook(municipality, q, reference.blocks(), values)


__all__ = ["TemplateRequestError", "check_request", "last_values", "template_bytes"]
