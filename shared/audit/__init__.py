"""The audit trail: every service's stored events form a tamper-evident log.

- `records`: the leaf of a stored event, byte for byte (format `esa-audit-leaf/v1`):

      int64 position || int64 originator_version || u32 len || originator id (UTF-8)
      || u32 len || topic (UTF-8) || u32 len || state (the stored bytes)
      leaf hash = SHA-256(0x00 || leaf)

- `merkle`: RFC 6962 tree over the leaves in notification order (node = SHA-256(0x01 || l || r)),
  inclusion and consistency proofs;
- `checkpoints`: signed checkpoints (tree size, root, time; Ed25519), stored once each as
  `AuditCheckpoint` events in the same store; `signing`: the service's key;
- `trail`: the tree kept in step with the log, checkpoints made periodically and on demand;
- `api`: the auditor's read-only routes (`/audit/*`), added to every service by `shared.runtime`;
- `verify`, `sources`, `__main__`: the offline verifier (`python -m shared.audit verify`).
"""
