"""Which notification mails a user gets: every kind that fits the role, unless the user switched it off."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete, insert, select

from dashboard.i18n import N_
from dashboard.viewer import COORDINATOR, MUNICIPALITY
from etl import schema

# kind -> (who can get it, the label on Mijn account: translated where it is shown)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "kwartaal_open": ((MUNICIPALITY,), N_("Het kwartaal is afgesloten: de aanlevering kan beginnen")),
    "herinnering": ((MUNICIPALITY,), N_("Herinnering als de uiterste datum nadert en er nog niets is aangeleverd")),
    "afgewezen": ((MUNICIPALITY,), N_("Een aanlevering van uw gemeente is afgewezen (met de bevindingen)")),
    "ontbreekt": ((MUNICIPALITY,), N_("De aanlevering van uw gemeente ontbreekt na de uiterste datum")),
    "overzicht": ((COORDINATOR,), N_("Overzicht na de uiterste datum: ontbrekend, afgewezen, terugval, "
                                     "waarschuwingen")),
    "introductie": ((COORDINATOR,), N_("Een gemeente vraagt om een introductie bij een andere gemeente")),
}


def kinds_for(role: str) -> list[str]:
    return [kind for kind, (roles, _label) in KINDS.items() if role in roles]


def switched_off(conn: Connection, user_id: int) -> set[str]:
    o = schema.mail_opt_out
    return set(conn.execute(select(o.c.kind).where(o.c.user_id == user_id)).scalars())


def wanted(engine: Engine, user_id: int, role: str) -> dict[str, bool]:
    with engine.connect() as conn:
        off = switched_off(conn, user_id)
    return {kind: kind not in off for kind in kinds_for(role)}


def save(engine: Engine, user_id: int, role: str, on: set[str]) -> dict[str, bool]:
    """Store the kinds switched on (the others of the role off); returns what changed, kind -> now on."""
    o = schema.mail_opt_out
    kinds = kinds_for(role)
    with engine.begin() as conn:
        before = switched_off(conn, user_id)
        conn.execute(delete(o).where(o.c.user_id == user_id))
        off = [k for k in kinds if k not in on]
        if off:
            conn.execute(insert(o), [{"user_id": user_id, "kind": k} for k in off])
    return {k: k in on for k in kinds if (k in before) != (k not in on)}
