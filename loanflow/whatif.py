"""`loanflow collections what-if --policy FILE --from DATE --to DATE`: a candidate policy over recorded history.

Reads collections' event store (the database of the running system, from runtime.json, or
LOANFLOW_COLLECTIONS_DATABASE_URL) in a read-only transaction — or, with `--source topics`, collections'
topic on the broker (runtime.json, or LOANFLOW_KAFKA_BOOTSTRAP), read without a consumer group —
replays the case streams of the period in memory (services/collections/domain/whatif.py) and prints
the report as JSON; writes nothing.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

from rich.console import Console

from loanflow.runtime import platform_settings

err = Console(stderr=True, soft_wrap=True)


def cmd_what_if(policy: Path, start: date, end: date, calls_per_collector_per_day: int,
                source: str = "stores") -> int:
    from services.collections.adapters.policy_file import PolicyFileError
    from services.collections.config import CollectionsSettings
    from services.collections.service_layer.whatif import what_if

    settings = CollectionsSettings()
    platform = platform_settings(signing=False)
    dsn = platform.service_dsn("collections", settings.database_url)
    topic = (platform.kafka_bootstrap or "", platform.topic("collections"))
    try:
        report = asyncio.run(what_if(dsn, policy, start, end, settings, calls_per_collector_per_day,
                                     source=source, topic=topic,
                                     origination_topic=platform.topic("origination")))
    except (PolicyFileError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    fired = report["fired"]
    err.print(f"{report['cases']} cases; candidate {report['policy_version']}: "
              f"{sum(fired['candidate'].values())} decisions (recorded {sum(fired['recorded'].values())}). "
              f"{report['note']}", highlight=False)
    return 0
