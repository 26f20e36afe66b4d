"""The audit trail's messages to the central office and to anyone watching an office, version 1,
on the stream `audit` (subjects `esa.audit.>`). They are not envelopes: they are what a service
and its witnesses sign or say about the service's log itself, read the same by every office.

- `esa.audit.<service>.alarm` (`IntegrityAlarm`): the service's history does not match what was
  signed or witnessed. Raised by the service itself (`raised_by` = the service: `reason`,
  `found_by`, `since`) or by a witness (`raised_by` = the witness's name: `alarm`, `raised_at`,
  both heads as `held` and `offered`). The central office and monitoring open a case on it.
- `esa.audit.<service>.loss` (`LossAccepted`): an operator holding the service's audit key
  accepted, after restoring a backup, that the history between the restored head and the last
  witnessed head is lost; witnesses continue from the restored head and keep the old heads as
  evidence. The statement is also a stored event of the service's log, covered by its tree.

The heads inside are `esa-audit-head/v1` summaries (README, "Audit trail"): service, tree_size,
root_hash, signed_at, key_id, signature (base64), the signed message.

Within version 1 fields are only ever added (`format` names the version).

Imports only pydantic (checked by an architecture test).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from contracts.envelope import ContractModel

ALARM_FORMAT = "esa-audit-alarm/v1"
LOSS_FORMAT = "esa-audit-loss/v1"


class IntegrityAlarm(ContractModel):
    """The service's history does not match its signed or witnessed heads: writes stop there,
    and someone must look (a case for the ESA director, the central office told)."""

    KEY: ClassVar[str] = "audit.alarm.v1"
    SUBJECT: ClassVar[str] = "esa.audit.{service}.alarm"

    format: Literal["esa-audit-alarm/v1"] = ALARM_FORMAT
    kind: Literal["alarm"] = "alarm"
    service: str = Field(description="The service whose history is in question")
    raised_by: str = Field(description="The service itself, or the witness that found it")
    detail: str = Field(description="What was found, in words")
    # Raised by a witness:
    alarm: str | None = Field(default=None, description="A witness's finding: equivocation, "
                              "inconsistent, unknown-key, bad-signature, loss-refused")
    raised_at: datetime | None = None
    held: dict[str, Any] | None = Field(default=None, description="The head the witness held")
    offered: dict[str, Any] | None = Field(default=None, description="The head it was offered")
    # Raised by the service itself:
    reason: str | None = Field(default=None, description="The service's finding: altered, "
                               "removed, inserted, moved, rollback, rewritten, equivocation, ...")
    found_by: str | None = Field(default=None, description="self-check, relay, hook, "
                                 "head-publisher, start")
    since: datetime | None = None
    evidence: dict[str, Any] = Field(default_factory=dict, description="Both heads, the failed "
                                     "proof, the events named")

    @property
    def finding(self) -> str:
        return self.alarm or self.reason or "alarm"


class LossAccepted(ContractModel):
    """After a backup was restored, the history between `restored` and `lost` was declared lost
    by an officer holding the audit key (signed with it: `signature` over `signed_message`)."""

    KEY: ClassVar[str] = "audit.loss.v1"
    SUBJECT: ClassVar[str] = "esa.audit.{service}.loss"

    format: Literal["esa-audit-loss/v1"] = LOSS_FORMAT
    kind: Literal["loss"] = "loss"
    service: str
    restored: dict[str, Any] = Field(description="The head the restored store ends at")
    lost: dict[str, Any] = Field(description="The newest head published or witnessed before: "
                                 "the history after `restored` up to it is lost")
    reason: str = Field(min_length=1, description="Why (the incident, the backup restored)")
    accepted_by: str = Field(min_length=1, description="The officer who accepted the loss")
    accepted_at: datetime
    key_id: str = Field(description="The audit key that signed the statement")
    signature: str = Field(description="Ed25519, base64, over `signed_message`")
    signed_message: str
    tree_size: int = Field(ge=1, description="The size of the tree whose last leaf is this "
                           "statement (the restored size + 1)")


MESSAGES: tuple[type[ContractModel], ...] = (IntegrityAlarm, LossAccepted)
