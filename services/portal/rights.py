"""The portal's decision rights. The portal decides nothing of the procedures: its pages are the
staff's own (signed in, CSRF-checked) and every command they send is decided by the service that
receives it, against that service's table. What the portal answers to as a service is its
operators' route."""

from __future__ import annotations

from shared.office.rights import right, rights_table

RIGHTS = rights_table("portal", [
    right("POST /admin/audit/checkpoints", "ลงนามจุดตรวจสอบบันทึกเหตุการณ์ทันที",
          "Sign an audit checkpoint now", operator=True),
])
