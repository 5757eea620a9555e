"""What origination's handlers and views run on: the kernel, the product rules, the credit bureau."""

from __future__ import annotations

from dataclasses import dataclass

from services.origination.domain.products import ProductRules
from services.origination.service_layer.ports import CreditBureau
from shared.datakeys import KeyRing
from shared.service import ServiceKernel


@dataclass(frozen=True)
class Deps:
    kernel: ServiceKernel
    rules: dict[str, ProductRules]
    bureau: CreditBureau
    ring: KeyRing  # the borrowers' data keys (origination owns them)
    secret: str  # LOANFLOW_SECRETS_KEY material: keys the HMAC finding a returning borrower's key
    retention_days: int  # erasure: days after a debt closed before the borrower may be erased
