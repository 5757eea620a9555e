"""Per-borrower data keys (crypto-shredding, issue 16): personal fields are sealed with the borrower's own
key where events are written; destroying the key leaves the events immutable yet unreadable.

A sealed field is a string, so every schema and model that took the plain text still takes it:

    pii:v1:<key_id>:<base64 nonce+ciphertext>                 one value
    pii:v1:<key_id>:<base64 full>.<base64 public>             a value masked on publish (ID numbers):
                                                              the store keeps both, the topic `public_form`

Text without the prefix is a value written before encryption and is read as it is, so consumers take
old plaintext events and new sealed ones alike. A value whose key is destroyed opens as "erased".
Keys live in each service's `data_keys` table, sealed with LOANFLOW_SECRETS_KEY (`shared/secretbox.py`,
as partners' secrets are); origination creates them, the other services keep copies (see docs/erasure.md).
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.auth import SERVICE_ROLE
from shared.errors import Unprocessable
from shared.secretbox import SecretBox, SecretBoxError

log = logging.getLogger(__name__)

PREFIX = "pii:v1:"
ERASED = "erased"  # what every view shows for a field whose key was destroyed
UNAVAILABLE = "unavailable"  # the key could not be fetched just now (owner unreachable); never cached

DDL = """
CREATE TABLE IF NOT EXISTS data_keys (
    key_id     TEXT        PRIMARY KEY,
    sealed     TEXT,                        -- NULL once erased
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    erased_at  TIMESTAMPTZ,
    CHECK ((sealed IS NULL) = (erased_at IS NOT NULL))
)
"""
DROP = "DROP TABLE IF EXISTS data_keys"

# A fetcher asks the key owner for keys it does not hold: key id -> sealed key, or None when erased
# (ids the owner does not know are left out).
Fetcher = Callable[[list[str]], Awaitable[dict[str, str | None]]]


def new_key_id() -> str:
    """A new borrower (data key) id: random, so it says nothing about the person."""
    return "bk_" + secrets.token_hex(12)


def is_sealed(value: object) -> bool:
    return type(value) is str and value.startswith(PREFIX)  # type: ignore[union-attr]


def key_id_of(sealed: str) -> str:
    """The key id a sealed value names."""
    return sealed[len(PREFIX):].split(":", 1)[0]


def public_form(value: Any) -> Any:
    """What a sealed value publishes: the public part of a two-part value; any other value unchanged."""
    if not is_sealed(value):
        return value
    head, _, body = value.rpartition(":")
    return f"{head}:{body.split('.', 1)[1]}" if "." in body else value


class DataKey:
    """One borrower's key: AES-256-GCM, the key id bound to every value as associated data."""

    __slots__ = ("_aead", "key_id", "raw")

    def __init__(self, key_id: str, raw: bytes) -> None:
        self.key_id, self.raw = key_id, raw
        self._aead = AESGCM(raw)

    @classmethod
    def generate(cls, key_id: str | None = None) -> DataKey:
        return cls(key_id or new_key_id(), AESGCM.generate_key(bit_length=256))

    def _ct(self, plain: str) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain.encode(), self.key_id.encode())
                                        ).decode()

    def seal(self, plain: str, *, public: str | None = None) -> str:
        """The sealed value; with `public` (e.g. the masked ID number) a two-part value (see module doc).
        Text PostgreSQL would refuse to store plain (a NUL character) is refused sealed too: 422."""
        if "\x00" in plain:
            raise Unprocessable("text must not contain NUL characters (\\u0000)", code="invalid_text")
        body = self._ct(plain) if public is None else f"{self._ct(plain)}.{self._ct(public)}"
        return f"{PREFIX}{self.key_id}:{body}"

    def open(self, sealed: str) -> str:
        """The plain text of a value sealed with this key (the full part of a two-part value)."""
        raw = base64.urlsafe_b64decode(sealed.rpartition(":")[2].split(".", 1)[0])
        return self._aead.decrypt(raw[:12], raw[12:], self.key_id.encode()).decode()

    def to_sealed(self, box: SecretBox) -> str:
        """This key sealed with LOANFLOW_SECRETS_KEY, bound to its id (as stored and as handed to services)."""
        return box.seal(base64.b64encode(self.raw).decode(), bound_to=_bound(self.key_id))

    @classmethod
    def from_sealed(cls, key_id: str, sealed: str, box: SecretBox) -> DataKey:
        return cls(key_id, base64.b64decode(box.open(sealed, bound_to=_bound(key_id))))


def _bound(key_id: str) -> str:
    return "data-key:" + key_id


Keys = Mapping[str, DataKey | None]  # key id -> key, or None when erased


def open_value(value: Any, keys: Keys) -> Any:
    """The plain text of a sealed value ("erased" when its key is destroyed); anything else unchanged."""
    if not is_sealed(value):
        return value
    kid = key_id_of(value)
    if kid not in keys:
        return UNAVAILABLE
    key = keys[kid]
    if key is None:
        return ERASED
    try:
        return key.open(value)
    except (InvalidTag, ValueError):
        return ERASED  # sealed with an earlier key of that id: that key is gone


def open_tree(value: Any, keys: Keys) -> Any:
    """`value` with every sealed string inside dicts and lists opened (see `open_value`)."""
    kind = type(value)
    if kind is str:
        return open_value(value, keys)
    if kind is dict:
        return {k: open_tree(v, keys) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [open_tree(v, keys) for v in value]
    return value


def key_ids_in(value: Any, found: set[str] | None = None) -> set[str]:
    """The key ids named by sealed strings anywhere in `value`."""
    found = set() if found is None else found
    kind = type(value)
    if kind is str:
        if value.startswith(PREFIX):
            found.add(key_id_of(value))
    elif kind is dict:
        for v in value.values():
            key_ids_in(v, found)
    elif kind is list or kind is tuple:
        for v in value:
            key_ids_in(v, found)
    return found


def seal_tree(value: Any, key: DataKey, *, public: Callable[[str, str], str | None] | None = None,
              field: str = "") -> Any:
    """Every string inside `value` sealed with `key` (`public(field, text)` may give a two-part value's
    public text, e.g. the masked ID number for `id_number`); already sealed strings stay as they are."""
    kind = type(value)
    if kind is str:
        if value.startswith(PREFIX):
            return value
        return key.seal(value, public=public(field, value) if public else None)
    if kind is dict:
        return {k: seal_tree(v, key, public=public, field=k) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [seal_tree(v, key, public=public, field=field) for v in value]
    return value


class KeyRing:
    """A service's data keys: its `data_keys` table (one query per batch of ids, so an erasure recorded by
    any process is seen at once), opened keys cached by their sealed text, and, for a service that does
    not own the keys, a fetcher asking the owner for the ones it does not hold yet."""

    def __init__(self, box: SecretBox, fetch: Fetcher | None = None,
                 writer: Callable[[], AbstractAsyncContextManager[asyncpg.Connection]] | None = None) -> None:
        self.box = box
        self.fetch = fetch
        self.writer = writer  # where fetched copies are stored (a read may run in a read-only transaction)
        self._cache: dict[str, tuple[str, DataKey]] = {}  # key id -> (sealed text, opened key)

    async def keys(self, conn: asyncpg.Connection, key_ids: Iterable[str], *,
                   fetch: bool = True) -> dict[str, DataKey | None]:
        """The keys of `key_ids` (None: erased); an id neither held nor fetchable is left out (`fetch=False`:
        only the copies held, never a request to the owner)."""
        wanted = sorted(set(key_ids))
        out: dict[str, DataKey | None] = {}
        if not wanted:
            return out
        rows = await conn.fetch("SELECT key_id, sealed FROM data_keys WHERE key_id = ANY($1::text[])", wanted)
        held = set()
        for r in rows:
            held.add(r["key_id"])
            self._put(out, r["key_id"], r["sealed"])
        missing = [k for k in wanted if k not in held]
        if missing and fetch and self.fetch is not None:
            try:
                fetched = await self.fetch(missing)
            except Exception:  # the owner is unreachable: those fields show "unavailable" this time
                fetched = {}
            kept = {kid: sealed for kid, sealed in fetched.items() if kid in missing}
            if kept:
                if self.writer is not None:
                    async with self.writer() as own:
                        stored = await self._store(own, kept)
                else:
                    stored = await self._store(conn, kept)
                for kid, sealed in stored.items():
                    self._put(out, kid, sealed)
        return out

    def _put(self, out: dict[str, DataKey | None], key_id: str, sealed: str | None) -> None:
        try:
            out[key_id] = self._remember(key_id, sealed)
        except SecretBoxError:  # sealed under another LOANFLOW_SECRETS_KEY: its fields show "unavailable"
            log.error("data key %s does not open with this LOANFLOW_SECRETS_KEY", key_id)

    @staticmethod
    async def _store(conn: asyncpg.Connection, fetched: dict[str, str | None]) -> dict[str, str | None]:
        """Keep fetched copies; a row already there (an erasure that came first) wins over the fetch."""
        rows = await conn.fetch(
            """WITH f AS (SELECT * FROM unnest($1::text[], $2::text[]) AS u(key_id, sealed)),
                    ins AS (INSERT INTO data_keys (key_id, sealed, erased_at)
                            SELECT key_id, sealed, CASE WHEN sealed IS NULL THEN now() END FROM f
                            ON CONFLICT (key_id) DO NOTHING RETURNING key_id)
               SELECT f.key_id, coalesce(d.sealed, CASE WHEN d.key_id IS NULL THEN f.sealed END) AS sealed
               FROM f LEFT JOIN data_keys d ON d.key_id = f.key_id""",
            list(fetched), list(fetched.values()))
        return {r["key_id"]: r["sealed"] for r in rows}

    def _remember(self, key_id: str, sealed: str | None) -> DataKey | None:
        if sealed is None:
            self._cache.pop(key_id, None)
            return None
        cached = self._cache.get(key_id)
        if cached is not None and cached[0] == sealed:
            return cached[1]
        key = DataKey.from_sealed(key_id, sealed, self.box)
        self._cache[key_id] = (sealed, key)
        return key

    async def open(self, conn: asyncpg.Connection, value: Any) -> Any:
        """`value` with its sealed strings opened, the keys looked up in one go."""
        ids = key_ids_in(value)
        return open_tree(value, await self.keys(conn, ids)) if ids else value

    async def create(self, conn: asyncpg.Connection, key_id: str | None = None) -> DataKey:
        """A new key, stored sealed (in the caller's transaction)."""
        key = DataKey.generate(key_id)
        sealed = key.to_sealed(self.box)
        await conn.execute("INSERT INTO data_keys (key_id, sealed) VALUES ($1, $2)", key.key_id, sealed)
        self._cache[key.key_id] = (sealed, key)
        return key

    async def sealed(self, conn: asyncpg.Connection, key_ids: list[str]) -> dict[str, str | None]:
        """The stored (sealed) keys of `key_ids`, None for erased ones; unknown ids left out."""
        rows = await conn.fetch("SELECT key_id, sealed FROM data_keys WHERE key_id = ANY($1::text[])", key_ids)
        return {r["key_id"]: r["sealed"] for r in rows}

    async def erase(self, conn: asyncpg.Connection, key_id: str, at: datetime | None = None) -> bool:
        """Destroy a key (kept as a tombstone, so a later fetch learns it is erased); False if it already was."""
        self._cache.pop(key_id, None)
        return bool(await erase_keys(conn, [(key_id, at)]))

    def forget(self, key_id: str) -> None:
        self._cache.pop(key_id, None)


async def erase_keys(conn: asyncpg.Connection, erased: list[tuple[str, datetime | None]]) -> int:
    """Destroy keys in a `data_keys` table, each kept as a tombstone (`erased_at`: when, default now); a key
    already erased keeps its tombstone. Returns how many were destroyed or recorded now."""
    status = await conn.execute(
        """INSERT INTO data_keys (key_id, sealed, erased_at)
           SELECT DISTINCT ON (key_id) key_id, NULL, coalesce(at, now())
           FROM unnest($1::text[], $2::timestamptz[]) AS u(key_id, at) ORDER BY key_id, at
           ON CONFLICT (key_id) DO UPDATE SET sealed = NULL, erased_at = EXCLUDED.erased_at
           WHERE data_keys.sealed IS NOT NULL""", [k for k, _ in erased], [at for _, at in erased])
    return int(status.split()[-1])


def http_fetcher(base_url: str, token: Callable[[], str], timeout: float = 5.0) -> Fetcher:
    """A fetcher asking origination's `GET /v1/data-keys?id=...` (one request per batch of ids)."""
    import httpx  # only the services that fetch keys need it

    async def fetch(key_ids: list[str]) -> dict[str, str | None]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(f"{base_url.rstrip('/')}/v1/data-keys", params={"id": key_ids},
                                        headers={"Authorization": f"Bearer {token()}"})
            response.raise_for_status()
            return {k["key_id"]: k["sealed"] for k in response.json()["keys"]}

    return fetch


def key_ring(kernel: Any, origination_url: str) -> KeyRing:
    """The key ring of a service that keeps copies of origination's keys (`kernel`: its ServiceKernel)."""
    def token() -> str:  # keys go to the services' own role only, never to a person's token
        return str(kernel.issuer.issue(f"{kernel.name}-keys", [SERVICE_ROLE], ttl_seconds=300))
    return KeyRing(SecretBox(kernel.platform.secrets_key_material()), http_fetcher(origination_url, token),
                   writer=lambda: kernel.db.acquire())
