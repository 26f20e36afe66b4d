"""RFC 6962 (Certificate Transparency) Merkle tree hashing, audit paths and consistency proofs.

- leaf hash `SHA-256(0x00 || leaf)`, interior node `SHA-256(0x01 || left || right)`, the empty tree's
  root `SHA-256("")`;
- a tree of n leaves splits at k, the largest power of two below n (RFC 6962 §2.1), so a tree's
  root never changes when leaves are appended, only new roots appear;
- `inclusion_proof` / `verify_inclusion`: the audit path of one leaf (RFC 6962 §2.1.1,
  RFC 9162 §2.1.3.2); `consistency_proof` / `verify_consistency`: that a tree of `first` leaves is
  a prefix of the tree of `second` leaves (RFC 6962 §2.1.2, RFC 9162 §2.1.4.2).

Roots and proofs are computed from the hashes of complete, aligned subtrees (`NodeSource`): about
two per leaf, so a root or a proof over any prefix costs O(log² n) lookups, not a pass over the
whole log. `MerkleTree` keeps them in memory, the persisted tree (`shared.audit.tree`) in the
service's database; `Frontier` is the O(log n) right edge a writer extends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below `size` (size ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class NodeSource(Protocol):
    """Where the hashes of complete, aligned subtrees are read from: `node(level, index)` is the
    root of leaves [index * 2**level, (index + 1) * 2**level) (level 0: the leaf hashes). The
    in-memory `MerkleTree` is one, the persisted tree (`shared.audit.tree`) another."""

    def node(self, level: int, index: int) -> bytes: ...


def subtree_root(nodes: NodeSource, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) (RFC 6962 §2.1) from the complete subtrees it is made of."""
    size = hi - lo
    if size == 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and lo % size == 0:
        level = size.bit_length() - 1
        return nodes.node(level, lo >> level)
    k = _split(size)
    return node_hash(subtree_root(nodes, lo, lo + k), subtree_root(nodes, lo + k, hi))


def inclusion_proof(nodes: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]): the sibling hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(subtree_root(nodes, lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree_root(nodes, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(nodes: NodeSource, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]): that the tree of `first` leaves is a prefix of `second`."""
    if not 1 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    proof: list[bytes] = []
    lo, hi, m, whole = 0, second, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(subtree_root(nodes, lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_root(nodes, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        proof.append(subtree_root(nodes, lo, hi))
    proof.reverse()
    return proof


class Frontier:
    """The right edge of a tree: the roots of the complete subtrees it is made of, largest first
    (one per bit of its size). Enough to append leaves and to give the root, in O(log n) memory;
    each append says which complete subtrees it completed, so they can be stored."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a frontier of {size} leaves has {bin(size).count('1')} hashes")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; returns the (level, index, hash) of every subtree of 2 or more
        leaves it completed."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash has 32 bytes")
        completed: list[tuple[int, int, bytes]] = []
        level, position, current = 0, self.size, leaf
        while position & 1:
            current = node_hash(self.hashes.pop(), current)
            level, position = level + 1, position >> 1
            completed.append((level, position, current))
        self.hashes.append(current)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result

    def encode(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def decode(cls, size: int, data: bytes) -> Frontier:
        return cls(size, [bytes(data[i:i + HASH_SIZE]) for i in range(0, len(data), HASH_SIZE)])

    @classmethod
    def of(cls, nodes: NodeSource, size: int) -> Frontier:
        """The frontier of the first `size` leaves of a tree."""
        hashes, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                hashes.append(nodes.node(level, start >> level))
                start += 1 << level
        return cls(size, hashes)


class MerkleTree:
    """An append-only list of leaf hashes and the RFC 6962 tree over every prefix of it, in
    memory (a `NodeSource`)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        # _levels[j] holds, 32 bytes each, the hashes of the complete subtrees of 2**j leaves
        # that start at a multiple of 2**j.
        self._levels: list[bytearray] = [bytearray()]
        for leaf in leaf_hashes:
            self.append(leaf)

    def __len__(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> int:
        """Add a leaf hash; returns its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash has 32 bytes")
        index = len(self)
        self._levels[0] += leaf
        level, position, current = 0, index, leaf
        while position & 1:
            current = node_hash(self.node(level, position - 1), current)
            level, position = level + 1, position >> 1
            if len(self._levels) == level:
                self._levels.append(bytearray())
            self._levels[level] += current
        return index

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.node(0, index)

    def node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return bytes(self._levels[level][start:start + HASH_SIZE])

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= len(self):
            raise ValueError(f"tree size {size} is outside 0..{len(self)}")

    def subtree_root(self, lo: int, hi: int) -> bytes:
        return subtree_root(self, lo, hi)

    def root(self, size: int | None = None) -> bytes:
        size = len(self) if size is None else size
        self._check_size(size)
        return subtree_root(self, 0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = len(self) if size is None else size
        self._check_size(size)
        return inclusion_proof(self, index, size)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        second = len(self) if second is None else second
        self._check_size(second)
        return consistency_proof(self, first, second)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    return MerkleTree(leaf_hashes).root()


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `size` with `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes,
                       second_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `first` leaves (`first_root`) a prefix of the tree of
    `second` leaves (`second_root`)?"""
    if not 1 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
