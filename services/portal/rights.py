"""The portal's decision rights. The portal decides nothing of the procedures: its pages are the
staff's own (signed in, CSRF-checked) and every command they send is decided by the service that
receives it, against that service's table. Its audit trail is every service's (signed in each
transaction, `shared.audit`): nothing to decide, so its table is empty."""

from __future__ import annotations

from shared.office.rights import rights_table

RIGHTS = rights_table("portal", [])
