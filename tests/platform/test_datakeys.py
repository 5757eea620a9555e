"""Sealed personal fields (issue 16, shared/datakeys.py): a versioned string envelope, opened with the borrower's
key, "erased" without it; plain values written before data keys read as they are."""

from __future__ import annotations

import pytest

from shared.datakeys import (
    ERASED,
    UNAVAILABLE,
    DataKey,
    is_sealed,
    key_id_of,
    key_ids_in,
    open_tree,
    open_value,
    public_form,
    seal_tree,
)
from shared.errors import Unprocessable
from shared.pii import mask_address, mask_id_number, mask_phone
from shared.secretbox import SecretBox, SecretBoxError


def test_a_sealed_value_names_its_key_and_opens_only_with_it():
    key, other = DataKey.generate(), DataKey.generate(key_id="bk_other")
    sealed = key.seal("13900000000")
    assert is_sealed(sealed) and sealed.startswith("pii:v1:" + key.key_id + ":") and "139" not in sealed
    assert key_id_of(sealed) == key.key_id
    assert key.seal("13900000000") != sealed  # a fresh nonce each time: equal values do not show as equal
    assert open_value(sealed, {key.key_id: key}) == "13900000000"
    assert open_value(sealed, {key.key_id: None}) == ERASED  # the key was destroyed
    assert open_value(sealed, {}) == UNAVAILABLE  # not known here (never cached as erased)
    forged = sealed.replace(key.key_id, other.key_id)  # the key id is bound to the value
    assert open_value(forged, {other.key_id: other}) == ERASED
    assert open_value("张伟", {}) == "张伟"  # written before data keys: plain, read as it is


def test_an_id_number_carries_its_masked_form_for_the_topic():
    key = DataKey.generate()
    sealed = key.seal("110101199001011234", public="110101********1234")
    published = public_form(sealed)
    assert published != sealed and key_id_of(published) == key.key_id
    assert open_value(sealed, {key.key_id: key}) == "110101199001011234"  # the service's own store
    assert open_value(published, {key.key_id: key}) == "110101********1234"  # what other services read
    assert mask_id_number(sealed) == published  # the publish-time mask of a sealed ID number


def test_trees_are_sealed_and_opened_in_one_pass_and_masks_leave_erased_alone():
    key = DataKey.generate()
    person = {"name": "张伟", "addresses": {"home": "上海市徐汇区漕溪北路88号", "work": None}, "age": 36}
    sealed = seal_tree(person, key)
    assert sealed["age"] == 36 and sealed["addresses"]["work"] is None and is_sealed(sealed["name"])
    assert seal_tree(sealed, key) == sealed  # sealing twice changes nothing
    assert key_ids_in([sealed, {"x": [sealed["name"]]}]) == {key.key_id}
    assert open_tree(sealed, {key.key_id: key}) == person
    assert open_tree(sealed, {key.key_id: None}) == {"name": ERASED, "addresses": {"home": ERASED, "work": None},
                                                     "age": 36}
    assert (mask_phone(ERASED), mask_address(ERASED), mask_id_number(ERASED)) == (ERASED, ERASED, ERASED)


def test_a_key_is_kept_sealed_with_the_secrets_key_bound_to_its_id():
    box = SecretBox("s" * 64)
    key = DataKey.generate()
    stored = key.to_sealed(box)
    assert stored.startswith("enc:v1:")
    assert DataKey.from_sealed(key.key_id, stored, box).raw == key.raw
    with pytest.raises(SecretBoxError):
        DataKey.from_sealed("bk_someone_else", stored, box)


def test_text_postgresql_would_refuse_is_refused_sealed_too():
    with pytest.raises(Unprocessable):
        DataKey.generate().seal("张\x00伟")
