"""What servicing's command handlers run on: the kernel, the loan handlers' settings and clock, the
advance jobs of this process, the box sealing partners' secrets."""

from __future__ import annotations

from dataclasses import dataclass

from services.servicing.service_layer.advance_jobs import AdvanceJobs
from services.servicing.service_layer.handlers import Servicing
from shared.secretbox import SecretBox
from shared.service import ServiceKernel


@dataclass(frozen=True)
class Deps:
    kernel: ServiceKernel
    svc: Servicing
    jobs: AdvanceJobs
    box: SecretBox
