"""Wires the collections service: kernel, command bus, consumers and routes. One place for app, consumer and tests."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.collections.adapters.policy_file import PolicyFileError, load_policy
from services.collections.config import CollectionsSettings
from services.collections.domain.arms import PolicyArms
from services.collections.domain.policy import AssignQueue, PlaceWithAgency, Policy
from services.collections.entrypoints.api.routes import (
    arrangements,
    cases,
    legal,
    letters,
    paths,
    placements,
    qa,
    reach,
    roster,
)
from services.collections.service_layer.context import Collections
from services.collections.service_layer.events import make_batch_handler, make_handler
from services.collections.service_layer.handlers import COMMAND_HANDLERS
from services.collections.service_layer.qa import QA_HANDLERS
from services.collections.service_layer.roster import ROSTER_HANDLERS
from shared.access_audit import access_audit_router
from shared.clock import Clock, SystemClock
from shared.config import PlatformSettings
from shared.datakeys import key_ring
from shared.messagebus import CommandBus
from shared.service import ConsumerSpec, ServiceKernel, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def load_staffed(path: Path, roster: dict[str, list[str]], agencies: Collection[str] = ("default",)) -> Policy:
    """A policy file, validated, whose queues all have collectors on the roster and whose agencies have terms."""
    policy = load_policy(path)
    unstaffed = sorted({a.queue for r in policy.rules for a in r.then if isinstance(a, AssignQueue)} - set(roster))
    if unstaffed:
        raise PolicyFileError(f"escalation policy {path} routes to queues with no roster: "
                              f"{unstaffed} (roster has {sorted(roster)})")
    unknown = sorted({a.agency for r in policy.rules for a in r.then if isinstance(a, PlaceWithAgency)}
                     - set(agencies))
    if unknown:
        raise PolicyFileError(f"escalation policy {path} places cases with agencies that have no terms: {unknown} "
                              f"(LOANFLOW_COLLECTIONS_AGENCIES has {sorted(agencies)})")
    return policy


def load_arms(settings: CollectionsSettings) -> PolicyArms:
    """The champion and the optional challenger with its share; any fault stops the start."""
    champion = load_staffed(settings.policy_path, settings.roster, settings.agencies)
    challenger = None if settings.challenger_policy is None else load_staffed(settings.challenger_policy,
                                                                              settings.roster, settings.agencies)
    try:
        return PolicyArms(champion, challenger, settings.challenger_share)
    except ValueError as exc:
        raise PolicyFileError(str(exc)) from exc


def build_context(settings: CollectionsSettings, clock: Clock, kernel: ServiceKernel) -> Collections:
    """The collections context; the policy file is validated here, so a bad one stops the start."""
    return Collections(rules=settings.case_rules(), arms=load_arms(settings),
                       contact_policy=settings.contact_policy(), roster=settings.roster,
                       timezone=ZoneInfo(settings.borrower_timezone), clock=clock, store=kernel.store,
                       unit_of_work=kernel.unit_of_work, lender=settings.lender,
                       complaint_due_days=settings.complaint_due_days, roster_cases=settings.roster_cases,
                       qa_sample_size=settings.qa_sample_size, qa_scorecard=tuple(settings.qa_scorecard),
                       arrangement_limits=settings.arrangement_limits(),
                       ring=key_ring(kernel, settings.origination_url),
                       reassign_after_days=settings.reassign_after_days)


def create_app(settings: CollectionsSettings | None = None, platform: PlatformSettings | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The collections FastAPI app; relay and consumers start in its lifespan."""
    settings = settings or CollectionsSettings()
    platform = platform or PlatformSettings()
    clock = clock or SystemClock()
    kernel = ServiceKernel("collections", platform, platform.service_dsn("collections", settings.database_url),
                           MIGRATIONS, clock=clock)
    ctx = build_context(settings, clock, kernel)
    handler, batch_handler = make_handler(ctx), make_batch_handler(ctx)
    kernel.consumer_specs = [ConsumerSpec("servicing", ["servicing"], handler, batch_handler=batch_handler),
                             ConsumerSpec("origination", ["origination"], handler, batch_handler=batch_handler)]
    app = create_service_app(kernel, title="loanflow collections",
                             routers=[roster.router, cases.router, paths.router, letters.router, reach.router,
                                      arrangements.router, qa.router, placements.router, legal.router,
                                      access_audit_router(subject_alias="case_id")])
    app.state.collections = ctx
    app.state.bus = CommandBus({**COMMAND_HANDLERS, **ROSTER_HANDLERS, **QA_HANDLERS}, ctx)
    return app
