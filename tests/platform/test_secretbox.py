"""Secrets at rest: sealed values open only with the same key and for the same row."""

from __future__ import annotations

import pytest

from shared.secretbox import SecretBox, SecretBoxError, is_sealed


def test_a_sealed_secret_opens_with_the_same_key_and_row():
    box = SecretBox("k" * 64)
    sealed = box.seal("s3cr3t-value", bound_to="ptn_1")
    assert is_sealed(sealed) and "s3cr3t-value" not in sealed
    assert box.open(sealed, bound_to="ptn_1") == "s3cr3t-value"
    assert box.seal("s3cr3t-value", bound_to="ptn_1") != sealed  # a fresh nonce each time


def test_another_key_or_another_row_does_not_open_it():
    sealed = SecretBox("k" * 64).seal("s3cr3t-value", bound_to="ptn_1")
    with pytest.raises(SecretBoxError):
        SecretBox("other key").open(sealed, bound_to="ptn_1")
    with pytest.raises(SecretBoxError):
        SecretBox("k" * 64).open(sealed, bound_to="ptn_2")


def test_a_value_stored_before_encryption_reads_as_it_is():
    assert SecretBox("k").open("plain-old-secret", bound_to="ptn_1") == "plain-old-secret"
