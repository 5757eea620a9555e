"""Secrets kept at rest, encrypted: partners' HMAC keys must be readable (to verify signatures)
but a database dump or backup must not hand them out.

AES-256-GCM with a key derived from LOANFLOW_SECRETS_KEY (a dev key under LOANFLOW_HOME when
unset, refused in production); each value is bound to its row by associated data, so a sealed
value copied onto another partner does not open.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc:v1:"


class SecretBoxError(Exception):
    """A sealed value that does not open with this key (another LOANFLOW_SECRETS_KEY, or tampered)."""


class SecretBox:
    def __init__(self, key_material: str) -> None:
        self._aead = AESGCM(hashlib.sha256(b"loanflow-secretbox\0" + key_material.encode()).digest())

    def seal(self, plain: str, *, bound_to: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plain.encode(), bound_to.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, stored: str, *, bound_to: str) -> str:
        """The plain value; a value stored before encryption (no prefix) is returned as it is."""
        if not is_sealed(stored):
            return stored
        raw = base64.urlsafe_b64decode(stored[len(PREFIX):])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
        except InvalidTag as exc:
            raise SecretBoxError("a stored secret does not open: LOANFLOW_SECRETS_KEY is not the key that "
                                 "sealed it, or the value was altered") from exc


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)
