"""Settings of the reporting service (prefix LOANFLOW_REPORTING_)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import DEFAULT_PORTS, ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_REPORTING_", extra="ignore")

    service_name: str = "reporting"
    port: int = DEFAULT_PORTS["reporting"]
    # A loan is non-performing when its days past due exceed this many days (90 → the 91+ buckets).
    npl_dpd_threshold: int = 90
    # Field visits a collector is measured against each month (外访考核, a target, never a limit), when
    # collections' visit events do not carry the target in force.
    visit_target: int = 25
    # The department's share of a collector's commission (the notes, seed line 17: 62,059.50 commission,
    # "为部门创造业绩62059.5×0.7=43441.65元"): each collector's `department_share` in the collections report.
    department_share: Decimal = Field(default=Decimal("0.70"), ge=0, le=1)
    # Name of the projection consumer (its inbox rows and positions carry it).
    consumer_name: str = "projections"
    # Where `rebuild(source="stores")` reads each service's event export (GET /v1/events).
    origination_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['origination']}"
    servicing_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['servicing']}"
    collections_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['collections']}"
    rebuild_batch_size: int = 2000
    # Issue 16: exports with personal fields unmasked (`?reveal=true&reason=` on the loan book) are refused
    # unless this is set; each one is recorded in the access audit (GET /v1/audit/access).
    unmasked_exports: bool = False

    def store_urls(self) -> dict[str, str]:
        """Service name -> base URL of its event export."""
        return {"origination": self.origination_url, "servicing": self.servicing_url,
                "collections": self.collections_url}
