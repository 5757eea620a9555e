"""Credit bureau adapters: none, or a JSON file (local use and tests)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from services.origination.service_layer.ports import CreditBureau
from shared.contracts.origination import CreditReport


class NoCreditBureau:
    """No bureau connected: the application must carry the applicant's own report."""

    async def report_for(self, id_number: str) -> CreditReport | None:
        return None


class FileCreditBureau:
    """Reports from a JSON file `{"<id number>": {"max_overdue_months": 0, "report_date": ...}}`.

    The file is read on every query, so a newer report written to it is seen at the
    pre-disbursement re-check.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    async def report_for(self, id_number: str) -> CreditReport | None:
        reports = await asyncio.to_thread(self._read)
        raw = reports.get(id_number)
        return CreditReport.model_validate(raw) if raw is not None else None

    def _read(self) -> dict[str, dict[str, object]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8") or "{}")


def make_credit_bureau(kind: str, path: Path | None) -> CreditBureau:
    """The adapter chosen by configuration (LOANFLOW_ORIGINATION_CREDIT_BUREAU)."""
    if kind == "file":
        if path is None:
            raise ValueError("LOANFLOW_ORIGINATION_CREDIT_BUREAU_FILE must be set for the file credit bureau")
        return FileCreditBureau(path)
    return NoCreditBureau()
