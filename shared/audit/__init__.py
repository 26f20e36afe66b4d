"""The audit trail: every service's stored events form a tamper-evident log, signed in every
transaction, witnessed outside the service, and checked by the service itself.

- `records`: the leaf of a stored event, byte for byte (format `esa-audit-leaf/v1`):

      int64 position || int64 originator_version || u32 len || originator id (UTF-8)
      || u32 len || topic (UTF-8) || u32 len || state (the stored bytes)
      leaf hash = SHA-256(0x00 || leaf)

- `merkle`: RFC 6962 roots, inclusion and consistency proofs over any source of subtree hashes;
- `tree`: the persisted tree in the service's database, extended and its head signed inside the
  transaction that records the events (a `shared.persistence.TransactionHook`);
- `heads`: what a signed head, a key rotation and a witness's cosignature say; `signing`: the keys;
- `guard`: the one verdict that stops writes, and the receipt each write's answer carries;
- `selfcheck`: the service checking its store against its tree and its witnessed heads;
- `publisher`: heads out to the `audit` stream, cosignatures in, the stream compared with the
  store at start, alarms out;
- `witness`, `witness_main`: a witness (a library, and `python -m shared.audit witness`);
- `alarms`: an alarm read as a case (monitoring's board and dashboard); the alarm's contract is
  `contracts/audit/v1.py`;
- `losses`: accepting, after a restore, that the history after the restored head is lost
  (`python -m shared.audit accept-loss`): a signed, stored, published and witnessed statement;
- `api`: the auditor's read-only routes (`/audit/*`), added to every service by `shared.runtime`;
- `verify`, `sources`, `__main__`: the offline verifier (`python -m shared.audit verify`), with
  the witnesses' cosignatures as its trust anchor; `checkpoints`: the signed checkpoints of
  earlier versions, still read and verified where a store has them.
"""
