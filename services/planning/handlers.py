"""Planning's reactions to other services' contract events.

From correspondence: the staff directory (who may act) and which documents exist in its registers
(received, dispatched or signed), so an approval can only cite a resolution or letter that was
really registered (`shared.office`).
"""

from __future__ import annotations

from services.planning.application import PlanningApplication
from shared.consumer import Subscription
from shared.office.learning import learn_from_correspondence


def subscriptions(app: PlanningApplication) -> list[Subscription]:
    return [Subscription("correspondence", learn_from_correspondence(app))]
