"""The borrowers' data keys in origination, which owns them (issue 16, crypto-shredding; docs/erasure.md).

A borrower is known by the key id (`bk_...`, the borrower id of `POST /v1/borrowers/{id}/erasure`). The
same person (same ID number) keeps one key across applications: `borrower_keys` maps an HMAC of the ID
number (keyed with LOANFLOW_SECRETS_KEY, so the table holds no ID number) to it; `application_keys`
says which key an application's events are sealed with. Erasure destroys the key and the HMAC row.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import asyncpg

from shared.datakeys import DataKey, KeyRing, seal_tree
from shared.errors import Conflict
from shared.pii import mask_id_number

DDL = """
CREATE TABLE IF NOT EXISTS borrower_keys (
    borrower_ref TEXT PRIMARY KEY,   -- HMAC-SHA256(secrets key, ID number): finds a returning borrower's key
    key_id       TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS application_keys (
    application_id TEXT PRIMARY KEY,
    key_id         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS application_keys_key ON application_keys (key_id);
CREATE TABLE IF NOT EXISTS loan_closures (
    loan_id   TEXT PRIMARY KEY,      -- servicing's loan.paid_off: the debt is closed on that business date
    closed_on DATE NOT NULL
)
"""
DROP = "DROP TABLE IF EXISTS loan_closures; DROP TABLE IF EXISTS application_keys; DROP TABLE IF EXISTS borrower_keys"

# Personal fields of a person's JSON (applicant, borrower, contact, guarantor); `addresses` and
# `employer` are sealed whole (every string inside).
PERSON_FIELDS = frozenset({"name", "id_number", "id_number_masked", "phone", "addresses", "employer"})
# Where the persons are in each event type's data.
PERSONS = {
    "loan.application.submitted": ("applicant", "contacts", "guarantor"),
    "loan.application.amended": ("applicant",),
    "loan.disbursed": ("borrower", "contacts", "guarantor"),
}


def id_number_ref(secret: str, id_number: str, purpose: str) -> str:
    """A keyed hash of an ID number (trimmed, upper-case `X`): HMAC-SHA256 keyed with LOANFLOW_SECRETS_KEY
    material, so a table of them holds no ID number and cannot be matched against a list of ID numbers
    without the key; `purpose` separates the tables (a `borrower` ref never equals a `blacklist` one)."""
    return hmac.new(secret.encode(), purpose.encode() + b"\0" + id_number.strip().upper().encode(),
                    hashlib.sha256).hexdigest()


def borrower_ref(secret: str, id_number: str) -> str:
    return id_number_ref(secret, id_number, "borrower")


def _public(field: str, plain: str) -> str | None:
    """ID numbers are published masked: the sealed value carries the masked text for the topic."""
    return mask_id_number(plain) if field == "id_number" else None


def _seal_person(person: dict[str, Any], key: DataKey) -> dict[str, Any]:
    return {k: seal_tree(v, key, public=_public, field=k) if k in PERSON_FIELDS and v is not None else v
            for k, v in person.items()}


def seal_data(event_type: str, data: dict[str, Any], key: DataKey) -> dict[str, Any]:
    """The event's data with the personal fields of every person in it sealed with the borrower's key."""
    paths = PERSONS.get(event_type)
    if not paths:
        return data
    out = dict(data)
    for path in paths:
        value = out.get(path)
        if isinstance(value, dict):
            out[path] = _seal_person(value, key)
        elif isinstance(value, list):
            out[path] = [_seal_person(v, key) if isinstance(v, dict) else v for v in value]
    return out


async def key_for_new_application(conn: asyncpg.Connection, ring: KeyRing, secret: str, application_id: str,
                                  id_number: str) -> DataKey:
    """The applicant's key (created for a new borrower), recorded as the application's key."""
    ref = borrower_ref(secret, id_number)
    key_id = await conn.fetchval("SELECT key_id FROM borrower_keys WHERE borrower_ref = $1", ref)
    if key_id is None:
        key = await ring.create(conn)
        won = await conn.fetchval("INSERT INTO borrower_keys (borrower_ref, key_id) VALUES ($1, $2) "
                                  "ON CONFLICT (borrower_ref) DO NOTHING RETURNING key_id", ref, key.key_id)
        if won is None:  # the same person filed concurrently: theirs is the key
            await conn.execute("DELETE FROM data_keys WHERE key_id = $1", key.key_id)
            ring.forget(key.key_id)
            key_id = await conn.fetchval("SELECT key_id FROM borrower_keys WHERE borrower_ref = $1", ref)
        else:
            key_id = key.key_id
    await conn.execute("INSERT INTO application_keys (application_id, key_id) VALUES ($1, $2) "
                       "ON CONFLICT (application_id) DO NOTHING", application_id, key_id)
    return await _usable(conn, ring, key_id)


async def key_of_application(conn: asyncpg.Connection, ring: KeyRing, application_id: str) -> DataKey | None:
    """The key an application's events are sealed with; None for an application filed before data keys."""
    key_id = await conn.fetchval("SELECT key_id FROM application_keys WHERE application_id = $1", application_id)
    return None if key_id is None else await _usable(conn, ring, key_id)


async def _usable(conn: asyncpg.Connection, ring: KeyRing, key_id: str) -> DataKey:
    key = (await ring.keys(conn, [key_id])).get(key_id)
    if key is None:
        raise Conflict(f"borrower {key_id} was erased: nothing more is recorded about them", code="borrower_erased")
    return key
