"""RFC 6962 (Certificate Transparency) Merkle tree hashing, audit paths and consistency proofs.

- leaf hash `SHA-256(0x00 || leaf)`, interior node `SHA-256(0x01 || left || right)`, the empty tree's
  root `SHA-256("")`;
- a tree of n leaves splits at k, the largest power of two below n (RFC 6962 §2.1), so a tree's
  root never changes when leaves are appended, only new roots appear;
- `inclusion_proof` / `verify_inclusion`: the audit path of one leaf (RFC 6962 §2.1.1,
  RFC 9162 §2.1.3.2); `consistency_proof` / `verify_consistency`: that a tree of `first` leaves is
  a prefix of the tree of `second` leaves (RFC 6962 §2.1.2, RFC 9162 §2.1.4.2).

`MerkleTree` keeps every complete, aligned subtree's hash (about two hashes per leaf), so a root or a
proof over any prefix costs O(log² n) hashing, not a pass over the whole log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below `size` (size ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class MerkleTree:
    """An append-only list of leaf hashes and the RFC 6962 tree over every prefix of it."""

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
            current = node_hash(self._node(level, position - 1), current)
            level, position = level + 1, position >> 1
            if len(self._levels) == level:
                self._levels.append(bytearray())
            self._levels[level] += current
        return index

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._node(0, index)

    def _node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return bytes(self._levels[level][start:start + HASH_SIZE])

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= len(self):
            raise ValueError(f"tree size {size} is outside 0..{len(self)}")

    def subtree_root(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) (RFC 6962 §2.1)."""
        size = hi - lo
        if size == 0:
            return EMPTY_ROOT
        if size & (size - 1) == 0 and lo % size == 0:
            level = size.bit_length() - 1
            return self._node(level, lo >> level)
        k = _split(size)
        return node_hash(self.subtree_root(lo, lo + k), self.subtree_root(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        size = len(self) if size is None else size
        self._check_size(size)
        return self.subtree_root(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]): the sibling hashes from the leaf up to the root."""
        size = len(self) if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size}")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self.subtree_root(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.subtree_root(lo, lo + k))
                lo = lo + k
        path.reverse()
        return path

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[0:second]): that the tree of `first` leaves is a prefix of `second`."""
        second = len(self) if second is None else second
        self._check_size(second)
        if not 1 <= first <= second:
            raise ValueError(f"no consistency proof from {first} to {second}")
        proof: list[bytes] = []
        lo, hi, m, whole = 0, second, first, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                proof.append(self.subtree_root(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree_root(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            proof.append(self.subtree_root(lo, hi))
        proof.reverse()
        return proof


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
