"""Who is looking: the logged-in user's role and gemeente, the only input to every scope decision."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import N_

COORDINATOR, MUNICIPALITY, ADMIN, PUBLIC = "coordinator", "gemeente", "admin", "openbaar"
ROLES = (COORDINATOR, MUNICIPALITY, ADMIN)
# Dutch, as the audit log stores them; the interface shows them through gettext
ROLE_LABELS = {COORDINATOR: N_("regionale coördinator"), MUNICIPALITY: N_("gemeente"),
               ADMIN: N_("functioneel beheerder"), PUBLIC: N_("openbaar")}


@dataclass(frozen=True)
class Viewer:
    """The scope of one request. `openbaar` is the audience of public exports (never a logged-in user)."""

    role: str
    municipality_code: str | None = None
    email: str = ""

    def __post_init__(self) -> None:
        if self.role not in (*ROLES, PUBLIC):
            raise ValueError(f"unknown role {self.role!r}")
        if (self.role == MUNICIPALITY) != (self.municipality_code is not None):
            raise ValueError("a gemeente viewer has exactly one gemeente code")

    @property
    def sees_all(self) -> bool:
        """Coordinators and admins see every gemeente by name, every measure exact."""
        return self.role in (COORDINATOR, ADMIN)

    @property
    def is_public(self) -> bool:
        return self.role == PUBLIC

    def owns(self, municipality_code: str | None) -> bool:
        return self.role == MUNICIPALITY and municipality_code == self.municipality_code

    def may_see_exact(self, municipality_code: str | None) -> bool:
        """Exact figures and the name of this gemeente: everything for coordinators, the own for a gemeente."""
        return self.sees_all or self.owns(municipality_code)

    @property
    def cache_key(self) -> tuple:
        """Part of every cache key, so that no cached answer crosses scopes."""
        return (self.role, self.municipality_code)
