"""The blacklist of persons rejected for false information (origination's own table; DOMAIN.md §1: "blacklisted
for good"). It holds no ID number: a keyed hash to match an applicant (`id_ref`, HMAC-SHA256 keyed with
LOANFLOW_SECRETS_KEY, as `borrower_keys` is) and the masked form to show (`110101********1234`). Rows
listed before hashing are converted at service start (`hash_listed_id_numbers`); see docs/erasure.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence

import asyncpg

from services.origination.adapters.data_keys import id_number_ref
from shared.pii import mask_id_number

log = logging.getLogger(__name__)

# Migration 0005: the plaintext column stays (emptied at start, NULL for every new row) until every
# installation has started once; the unique index on it keeps an older replica's
# `ON CONFLICT (id_number)` working during a rolling upgrade.
DDL = """
ALTER TABLE blacklist ADD COLUMN IF NOT EXISTS id_ref TEXT;
ALTER TABLE blacklist ADD COLUMN IF NOT EXISTS id_number_masked TEXT;
ALTER TABLE blacklist ADD COLUMN IF NOT EXISTS ref_key_check TEXT;
ALTER TABLE blacklist DROP CONSTRAINT IF EXISTS blacklist_pkey;
ALTER TABLE blacklist ALTER COLUMN id_number DROP NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS blacklist_id_number ON blacklist (id_number);
CREATE UNIQUE INDEX IF NOT EXISTS blacklist_id_ref ON blacklist (id_ref);
ALTER TABLE blacklist ADD CONSTRAINT blacklist_hashed_or_legacy CHECK ((id_number IS NULL) = (id_ref IS NOT NULL))
"""
UNDO = """
ALTER TABLE blacklist DROP CONSTRAINT IF EXISTS blacklist_hashed_or_legacy;
DELETE FROM blacklist WHERE id_number IS NULL;
DROP INDEX IF EXISTS blacklist_id_ref;
DROP INDEX IF EXISTS blacklist_id_number;
ALTER TABLE blacklist ALTER COLUMN id_number SET NOT NULL;
ALTER TABLE blacklist ADD PRIMARY KEY (id_number);
ALTER TABLE blacklist DROP COLUMN IF EXISTS ref_key_check;
ALTER TABLE blacklist DROP COLUMN IF EXISTS id_number_masked;
ALTER TABLE blacklist DROP COLUMN IF EXISTS id_ref
"""


def blacklist_ref(secret: str, id_number: str) -> str:
    return id_number_ref(secret, id_number, "blacklist")


def key_check(secret: str) -> str:
    """Which LOANFLOW_SECRETS_KEY hashed a row (a fingerprint that says nothing of the key): entries hashed
    under another key no longer match anyone, which start-up reports rather than passing over in silence."""
    return hmac.new(secret.encode(), b"blacklist-key-check", hashlib.sha256).hexdigest()[:16]


async def is_blacklisted(conn: asyncpg.Connection, secret: str, id_number: str) -> bool:
    """Whether the person with this ID number is on the blacklist (matched by keyed hash)."""
    return bool(await conn.fetchval("SELECT 1 FROM blacklist WHERE id_ref = $1", blacklist_ref(secret, id_number)))


async def blacklist(conn: asyncpg.Connection, secret: str, id_number: str, application_id: str, reason: str,
                    listed_by: str | None) -> None:
    """Put a person on the blacklist for good (in the caller's transaction; first listing wins)."""
    await conn.execute(
        """INSERT INTO blacklist (id_ref, id_number_masked, ref_key_check, application_id, reason, listed_by)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id_ref) DO NOTHING""",
        blacklist_ref(secret, id_number), mask_id_number(id_number.strip().upper()), key_check(secret),
        application_id, reason, listed_by)


async def forget_display(conn: asyncpg.Connection, application_ids: Sequence[str]) -> int:
    """An erased borrower's entries keep only what matches them again (the keyed hash), not the masked form."""
    status = await conn.execute("UPDATE blacklist SET id_number_masked = NULL WHERE application_id = ANY($1::text[])"
                                " AND id_number_masked IS NOT NULL", list(application_ids))
    return int(status.split()[-1])


async def hash_listed_id_numbers(conn: asyncpg.Connection, secret: str) -> int:
    """Replace every entry still holding a plain ID number (listed before hashing) by its keyed hash and masked
    form; two entries of one person (the same number written differently) keep the first listing. Idempotent,
    and safe with replicas starting together (the rows are locked; a second start finds nothing left)."""
    async with conn.transaction():
        rows = await conn.fetch("SELECT id_number FROM blacklist WHERE id_number IS NOT NULL FOR UPDATE")
        if not rows:
            return 0
        plain = [r["id_number"] for r in rows]
        await conn.execute(
            """WITH c AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id_number, id_ref, masked)),
                    ranked AS (
                        SELECT c.*, row_number() OVER (PARTITION BY c.id_ref ORDER BY b.listed_at, b.id_number) AS n,
                               EXISTS (SELECT 1 FROM blacklist h WHERE h.id_ref = c.id_ref) AS hashed
                        FROM c JOIN blacklist b USING (id_number)),
                    dropped AS (DELETE FROM blacklist b USING ranked r
                                WHERE b.id_number = r.id_number AND (r.hashed OR r.n > 1))
               UPDATE blacklist b SET id_ref = r.id_ref, id_number_masked = r.masked, ref_key_check = $4,
                                      id_number = NULL
               FROM ranked r WHERE b.id_number = r.id_number AND NOT r.hashed AND r.n = 1""",
            plain, [blacklist_ref(secret, v) for v in plain], [mask_id_number(v.strip().upper()) for v in plain],
            key_check(secret))
    return len(rows)


async def secure_at_start(conn: asyncpg.Connection, secret: str) -> None:
    """At service start: hash any plain entries left; say so (counts only) when entries were hashed under
    another LOANFLOW_SECRETS_KEY, since those no longer match the people they list."""
    converted = await hash_listed_id_numbers(conn, secret)
    if converted:
        log.info("blacklist: %d entries listed by plain ID number now hold a keyed hash and the masked form",
                 converted)
    stale = await conn.fetchval("SELECT count(*) FROM blacklist WHERE id_ref IS NOT NULL AND ref_key_check <> $1",
                                key_check(secret))
    if stale:
        log.error("blacklist: %d entries were hashed under another LOANFLOW_SECRETS_KEY and match nobody now; "
                  "restore that key (see docs/erasure.md)", stale)
