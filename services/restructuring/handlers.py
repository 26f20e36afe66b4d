"""Restructuring's reactions to other services' contract events.

From correspondence: the staff directory (who may act) and which documents exist in its registers
(received, dispatched or signed), so that the provincial committee's decision on a case can only
cite a resolution or letter that was really registered (`shared.office`).
"""

from __future__ import annotations

from services.restructuring.application import RestructuringApplication
from shared.consumer import Subscription
from shared.office.learning import learn_from_correspondence


def subscriptions(app: RestructuringApplication) -> list[Subscription]:
    return [Subscription("correspondence", learn_from_correspondence(app))]
