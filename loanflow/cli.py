"""The `loanflow` command line: up, serve, token, partner, business-date, reporting, migrate, bench, demo.

Every subcommand reads the same configuration: the LOANFLOW_* environment, then the
`runtime.json` a running `loanflow up` wrote under LOANFLOW_HOME (default: the user's data
directory, e.g. `~/.local/share/loanflow`). A command that needs the running system and finds
none says so on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from shared.auth import ROLES
from shared.config import SERVICES


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date (YYYY-MM-DD): {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loanflow", description="Event-sourced lending: run and operate loanflow.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("up", help="start the whole system here (embedded PostgreSQL and broker unless configured)")

    sub.add_parser("status", help="each service's URL and readiness (exit 0 when all are ready)")

    serve = sub.add_parser("serve", help="run one service: API, outbox relay and consumers (or the workbench)")
    serve.add_argument("service", choices=(*SERVICES, "workbench"))

    token = sub.add_parser("token", help="print a signed bearer token (the token alone on stdout)")
    token.add_argument("--role", dest="roles", action="append", choices=ROLES, required=True,
                       help="a role to grant (repeatable)")
    token.add_argument("--sub", default="cli", help="the person the token names (claim sub)")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds (default 12 h)")

    partner = sub.add_parser("partner", help="partner systems posting repayments")
    partner_sub = partner.add_subparsers(dest="partner_command", required=True, metavar="ACTION")
    add = partner_sub.add_parser("add", help="register a partner; prints {partner_id, secret} as JSON")
    add.add_argument("name")
    add.add_argument("--channel", default=None,
                     help="pay only loans of this channel's products (LOANFLOW_SERVICING_PARTNER_CHANNELS)")
    rotate = partner_sub.add_parser(
        "rotate", help="issue a new secret (the old one keeps working for the grace period, default 24 h)")
    rotate.add_argument("partner_id")
    rotate.add_argument("--grace-hours", type=int, default=None,
                        help="hours the old secret still verifies (0: revoke it at once, e.g. when leaked)")
    partner_sub.add_parser("list", help="registered partners (never their secrets)")

    business_date = sub.add_parser("business-date", help="servicing's business date")
    bd_sub = business_date.add_subparsers(dest="bd_command", required=True, metavar="ACTION")
    advance = bd_sub.add_parser("advance", help="run day-close day by day up to a date")
    advance.add_argument("--to", type=_date, required=True, help="target business date (YYYY-MM-DD)")

    reporting = sub.add_parser("reporting", help="reporting read models")
    rep_sub = reporting.add_subparsers(dest="reporting_command", required=True, metavar="ACTION")
    rebuild = rep_sub.add_parser("rebuild", help="rebuild the read models from events")
    rebuild.add_argument("--source", choices=("topics", "stores"), default="topics",
                         help="replay the Kafka topics, or export each service's event store (default topics)")

    collections = sub.add_parser("collections", help="collections tools")
    col_sub = collections.add_subparsers(dest="collections_command", required=True, metavar="ACTION")
    what_if = col_sub.add_parser("what-if", help="replay a period's recorded cases through a candidate policy "
                                 "(in memory; writes nothing)")
    what_if.add_argument("--policy", type=Path, required=True, help="the candidate policy YAML")
    what_if.add_argument("--from", dest="start", type=_date, required=True, help="first business date (YYYY-MM-DD)")
    what_if.add_argument("--to", dest="end", type=_date, required=True, help="last business date (YYYY-MM-DD)")
    what_if.add_argument("--source", choices=("stores", "topics"), default="stores",
                         help="collections' event store, read-only (default), or its topic on the broker")
    what_if.add_argument("--calls-per-collector", type=int, default=80, help="call capacity per collector per day")

    migrate = sub.add_parser("migrate", help="create the service databases and run their migrations")
    migrate.add_argument("services", nargs="*", metavar="SERVICE",
                         help=f"one or more of {', '.join(SERVICES)} (default all)")

    bench = sub.add_parser("bench", help="run benchmark scenarios (bench/)", add_help=False)
    bench.add_argument("args", nargs=argparse.REMAINDER)

    demo = sub.add_parser("demo", help="walk loans through the lifecycle against a running system", add_help=False)
    demo.add_argument("args", nargs=argparse.REMAINDER)
    return parser


DELEGATED = {"bench": ("bench.harness", "benchmarks (bench/harness.py)"), "demo": ("loanflow.demo", "the demo")}


def main(argv: Sequence[str] | None = None) -> int:
    from loanflow.runtime import NoRunningSystem

    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except NoRunningSystem as exc:
        from rich.console import Console

        Console(stderr=True, soft_wrap=True).print(f"[red]{exc}[/red]", highlight=False)
        return 1


def _run(argv: list[str]) -> int:
    if argv and argv[0] in DELEGATED:  # their own parsers take every option that follows
        from loanflow import ops

        module, what = DELEGATED[argv[0]]
        return ops.delegate(module, what, argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "up":
        from loanflow.up import up

        return up()
    if args.command == "serve":
        from loanflow.serve import serve

        return serve(args.service)
    if args.command == "status":
        from loanflow.admin import cmd_status

        return cmd_status()
    if args.command == "token":
        from loanflow.admin import cmd_token

        return cmd_token(args.sub, args.roles, args.ttl)
    if args.command == "partner":
        from loanflow import admin

        if args.partner_command == "add":
            return admin.cmd_partner_add(args.name, args.channel)
        if args.partner_command == "rotate":
            return admin.cmd_partner_rotate(args.partner_id, args.grace_hours)
        return admin.cmd_partner_list()
    if args.command == "business-date":
        from loanflow.admin import cmd_business_date_advance

        return cmd_business_date_advance(args.to)
    if args.command == "migrate":
        from loanflow.admin import cmd_migrate

        unknown = [s for s in args.services if s not in SERVICES]
        if unknown:
            build_parser().error(f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
        return cmd_migrate(args.services)
    if args.command == "collections":
        from loanflow.whatif import cmd_what_if

        return cmd_what_if(args.policy, args.start, args.end, args.calls_per_collector, args.source)
    from loanflow import ops

    if args.command == "reporting":
        return ops.cmd_reporting_rebuild(args.source)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
