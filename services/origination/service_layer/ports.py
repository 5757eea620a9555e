"""Ports the service layer needs from the outside world."""

from __future__ import annotations

from typing import Protocol

from shared.contracts.origination import CreditReport


class CreditBureau(Protocol):
    """Queries an applicant's credit report (with the applicant's authorisation)."""

    async def report_for(self, id_number: str) -> CreditReport | None:
        """The latest report on file for an ID number, or None when the bureau has none."""
        ...
