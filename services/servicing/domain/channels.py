"""Which loans a partner may pay: a partner bound to a channel pays only loans of that channel's products.

Loans carry no channel (loan.disbursed names the product), so a channel is a set of products,
configured in `LOANFLOW_SERVICING_PARTNER_CHANNELS` (channel -> products; by default each product
is a channel of its own). A partner without a channel pays any loan, as before channels existed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.servicing.domain.errors import OutsideChannel, UnknownChannel


def check_channel(channel: str | None, channels: Mapping[str, Sequence[str]]) -> None:
    """A partner's channel must be a configured one (422 `unknown_channel`)."""
    if channel is not None and channel not in channels:
        raise UnknownChannel(f"unknown channel {channel!r}", details=[{"channels": sorted(channels)}])


def check_may_pay(partner_id: str, channel: str | None, loan_id: str, product: str | None,
                  channels: Mapping[str, Sequence[str]]) -> None:
    """403 `partner_channel` when the partner's channel does not hold the loan's product."""
    if channel is None:
        return
    if product is None or product not in channels.get(channel, ()):
        raise OutsideChannel(f"partner {partner_id} (channel {channel}) may not pay loan {loan_id}",
                             details=[{"channel": channel, "products": list(channels.get(channel, ()))}])
