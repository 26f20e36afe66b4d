"""The audit trail's Merkle tree is RFC 6962's: the published Certificate Transparency roots and
proofs, and a plain recursive implementation of the RFC's definitions over random trees."""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from shared.audit.records import StoredRecord

# The Certificate Transparency test leaves and the roots of each prefix (size 0..8).
CT_LEAVES = [bytes.fromhex(h) for h in
             ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, audit path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [  # (first, second, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


# --- the RFC's definitions, written out plainly (RFC 6962 §2.1) -------------------------------------
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def tree_of(leaves: list[bytes]) -> MerkleTree:
    return MerkleTree(leaf_hash(x) for x in leaves)


# --- published values -----------------------------------------------------------------------------
def test_roots_are_the_published_rfc6962_roots() -> None:
    tree = MerkleTree()
    assert tree.root().hex() == CT_ROOTS[0] and EMPTY_ROOT.hex() == CT_ROOTS[0]
    for size, leaf in enumerate(CT_LEAVES, start=1):
        tree.append(leaf_hash(leaf))
        assert tree.root().hex() == CT_ROOTS[size]
    assert [tree.root(n).hex() for n in range(9)] == CT_ROOTS  # old roots stay as they were


def test_audit_paths_are_the_published_ones_and_verify() -> None:
    tree = tree_of(CT_LEAVES)
    for index, size, expected in CT_INCLUSION:
        proof = tree.inclusion_proof(index, size)
        assert [p.hex() for p in proof] == expected
        root = bytes.fromhex(CT_ROOTS[size])
        assert verify_inclusion(index, size, tree.leaf(index), proof, root)
        assert not verify_inclusion(index, size, tree.leaf(index), proof, bytes.fromhex(CT_ROOTS[0]))


def test_consistency_proofs_are_the_published_ones_and_verify() -> None:
    tree = tree_of(CT_LEAVES)
    for first, second, expected in CT_CONSISTENCY:
        proof = tree.consistency_proof(first, second)
        assert [p.hex() for p in proof] == expected
        assert verify_consistency(first, second, proof, bytes.fromhex(CT_ROOTS[first]),
                                  bytes.fromhex(CT_ROOTS[second]))


# --- random trees against the plain definitions ---------------------------------------------------
leaf_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=140)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_roots_and_proofs_agree_with_the_rfc_definitions(leaves: list[bytes], data: st.DataObject) -> None:
    tree = tree_of(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="tree size")
    index = data.draw(st.integers(0, size - 1), label="leaf index")
    first = data.draw(st.integers(1, size), label="first size")
    prefix = leaves[:size]

    assert tree.root(size) == mth(prefix)
    assert tree.inclusion_proof(index, size) == path(index, prefix)
    assert tree.consistency_proof(first, size) == subproof(first, prefix, True)
    assert verify_inclusion(index, size, tree.leaf(index), tree.inclusion_proof(index, size),
                            tree.root(size))
    assert verify_consistency(first, size, tree.consistency_proof(first, size), tree.root(first),
                              tree.root(size))


@settings(max_examples=150, deadline=None)
@given(leaves=st.lists(st.binary(max_size=8), min_size=2, max_size=80), data=st.data())
def test_a_changed_leaf_proof_or_root_never_verifies(leaves: list[bytes], data: st.DataObject) -> None:
    tree = tree_of(leaves)
    size = len(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index, size)
    root = tree.root(size)
    other_leaf = leaf_hash(leaves[index] + b"!")
    assert not verify_inclusion(index, size, other_leaf, proof, root)
    if proof:
        broken = [*proof]
        broken[data.draw(st.integers(0, len(proof) - 1))] = b"\x00" * 32
        assert not verify_inclusion(index, size, tree.leaf(index), broken, root)

    first = data.draw(st.integers(1, size - 1))
    consistency = tree.consistency_proof(first, size)
    # A first tree that is not a prefix of the second (one of its leaves changed).
    changed = tree_of([*leaves[:first - 1], leaves[first - 1] + b"!"])
    assert not verify_consistency(first, size, consistency, changed.root(), root)
    assert not verify_consistency(first, size, consistency, tree.root(first), changed.root())


# --- the leaf of a stored event ------------------------------------------------------------------
def test_the_leaf_is_the_stored_row_in_the_documented_layout() -> None:
    record = StoredRecord.of(7, "0b7c2a5e3f6d4c1b9a8e7d6c5b4a3928", 3, "m:Doc.Filed", b'{"a":1}')
    oid = b"0b7c2a5e-3f6d-4c1b-9a8e-7d6c5b4a3928"
    expected = (struct.pack(">qq", 7, 3) + struct.pack(">I", len(oid)) + oid
                + struct.pack(">I", 11) + b"m:Doc.Filed" + struct.pack(">I", 7) + b'{"a":1}')
    assert record.leaf() == expected
    assert record.leaf_hash() == hashlib.sha256(b"\x00" + expected).digest()
    # SQLite's 32 hex digits and PostgreSQL's uuid are the same originator.
    same = StoredRecord.of(7, UUID("0b7c2a5e-3f6d-4c1b-9a8e-7d6c5b4a3928"), 3, "m:Doc.Filed",
                           memoryview(b'{"a":1}'))
    assert same.leaf_hash() == record.leaf_hash()


def test_any_change_to_a_stored_row_changes_its_leaf_hash() -> None:
    base = StoredRecord.of(7, "0b7c2a5e-3f6d-4c1b-9a8e-7d6c5b4a3928", 3, "m:Doc.Filed", b'{"a":1}')
    changes = [
        StoredRecord.of(8, base.originator_id, 3, base.topic, base.state),
        StoredRecord.of(7, "1b7c2a5e-3f6d-4c1b-9a8e-7d6c5b4a3928", 3, base.topic, base.state),
        StoredRecord.of(7, base.originator_id, 4, base.topic, base.state),
        StoredRecord.of(7, base.originator_id, 3, "m:Doc.Cancelled", base.state),
        StoredRecord.of(7, base.originator_id, 3, base.topic, b'{"a":2}'),
        StoredRecord.of(7, base.originator_id, "3", base.topic, base.state),  # SQLite takes text
    ]
    hashes = {base.leaf_hash(), *(c.leaf_hash() for c in changes)}
    assert len(hashes) == len(changes) + 1
