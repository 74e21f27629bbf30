"""Intent classification of buyer messages (owner H3).

A scikit-learn pipeline (service.intent_model: character 1–3-grams of the normalised
text, TF-IDF, a multinomial logistic regression) trained on
service/data/intent_corpus.csv — buyer messages written for this project, labelled with
the twelve intents of models.INTENTS or "unclassified" for chit-chat — by
scripts/train_intents.py, which writes service/data/intent_model.joblib and can add the
agents' corrections (IntentCorrection rows, written by `correct_intent`). The model is
loaded once per process; without the file (a fresh checkout before training) it is
trained from the corpus on first use (about two seconds).

A message is "unclassified" when the model says so (the chit-chat label) or when its
confidence (the probability of the best label) is below settings
SELLERDESK["SERVICE"]["INTENT_THRESHOLD"] (intent_model.DEFAULT_THRESHOLD by default).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.service import config, events, intent_model
from sellerdesk.service.intent_model import LABELS, Prediction
from sellerdesk.service.models import UNCLASSIFIED, IntentCorrection, Message, MessageKind

# The Django-free model module keeps its own copy of the labels (the training script and
# the bench run without a database); they must be the models' labels.

__all__ = ["INTENT_LABELS", "Prediction", "classify", "classify_many", "correct_intent", "correction_rows", "label"]

# How the desk names each intent (the codes are the API's and stay English).
INTENT_LABELS: dict[str, Any] = {
    "where_is_my_order": gettext_lazy("Where is my order"),
    "urge_shipping": gettext_lazy("Hurry the shipping"),
    "change_address": gettext_lazy("Change the address"),
    "change_item": gettext_lazy("Change colour or size"),
    "cancel_order": gettext_lazy("Cancel the order"),
    "refund_request": gettext_lazy("Refund"),
    "return_exchange": gettext_lazy("Return or exchange"),
    "damaged_or_wrong": gettext_lazy("Damaged or wrong goods"),
    "price_bargain": gettext_lazy("Price and discounts"),
    "product_question": gettext_lazy("Product question"),
    "payment_problem": gettext_lazy("Payment problem"),
    "complaint": gettext_lazy("Complaint"),
    UNCLASSIFIED: gettext_lazy("Unclassified"),
}
assert set(INTENT_LABELS) == set(LABELS)

INTENT_CORRECTED = "service_intent_corrected"


def label(intent: str) -> str:
    """The intent's name in the current language ("" for none, the code when unknown)."""
    if not intent:
        return ""
    return str(INTENT_LABELS.get(intent, intent))


events.register_code(
    INTENT_CORRECTED,
    gettext_lazy("Intent corrected: %(before)s → %(after)s"),
    format=lambda p: {"before": label(p.get("before", "")) or "—", "after": label(p.get("after", ""))},
    example={"message": 1, "before": "product_question", "after": "return_exchange"},
)

_model: Any = None
_lock = threading.Lock()


def model() -> Any:
    """The process's model, loaded once."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = intent_model.load()
    return _model


def use_model(pipeline: Any) -> None:
    """Replace the process's model (tests, a retrain in-process); None: load again."""
    global _model
    _model = pipeline


def threshold() -> float:
    """Below this confidence a message is "unclassified"."""
    return float(config.setting("INTENT_THRESHOLD", intent_model.DEFAULT_THRESHOLD))


def classify(text: str) -> Prediction:
    """The intent of one buyer message. Fast (one call well under a millisecond after the
    model is loaded once per process); never raises on any text."""
    return classify_many([text])[0]


def classify_many(texts: Iterable[str]) -> list[Prediction]:
    """`classify` for many messages at once (one matrix product: the bench, imports).
    Empty or blank texts are "unclassified" with confidence 0."""
    normalised = [intent_model.normalise(text) if isinstance(text, str) else "" for text in texts]
    answers: list[Prediction] = [Prediction(intent=UNCLASSIFIED, confidence=0.0)] * len(normalised)
    todo = [index for index, text in enumerate(normalised) if text.strip()]
    if todo:
        pipeline = model()
        probabilities = pipeline.predict_proba([normalised[index] for index in todo])
        classes = list(pipeline.classes_)
        limit = threshold()
        for row, index in enumerate(todo):
            answers[index] = intent_model.decide(probabilities[row], classes, limit)
    return answers


def correction_rows() -> list[tuple[str, str]]:
    """The agents' corrections as training rows (the newest correction of a text wins)."""
    latest: dict[str, str] = {}
    for text, corrected in IntentCorrection.objects.order_by("at", "pk").values_list("text", "corrected"):
        if corrected in LABELS and text.strip():
            latest[text.strip()] = corrected
    return list(latest.items())


def correct_intent(*, message: Message, intent: str, actor: User, at: datetime | None = None) -> Message:
    """An agent corrects the intent of a buyer message: the message takes the new intent
    (confidence 1.0), and so does its conversation when its intent was this message's;
    an IntentCorrection keeps the text with the predicted and corrected labels for
    retraining; the conversation's timeline says who corrected what. `intent` must be one
    of the twelve labels or "unclassified" (ValidationFailed otherwise); PermissionDenied
    outside the agent's shops."""
    from sellerdesk.service import access

    require(actor, "service.reply")
    if intent not in LABELS:
        raise ValidationFailed({"intent": _("unknown intent %(intent)s") % {"intent": intent}})
    moment = at or timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
        access.require_access(actor, locked.conversation, "service.reply")
        if locked.kind != MessageKind.BUYER:
            raise ValidationFailed({"intent": _("only a buyer's message has an intent")})
        if locked.intent == intent and locked.intent_confidence == 1.0:
            return locked  # corrected to this already: nothing to keep twice
        IntentCorrection.objects.create(
            message=locked, text=locked.body, predicted=locked.intent, corrected=intent, by=actor, at=moment
        )
        previous = locked.intent
        locked.intent = intent
        locked.intent_confidence = 1.0
        locked.save(update_fields=["intent", "intent_confidence"])
        conversation = locked.conversation
        if conversation.intent in ("", previous):
            conversation.intent = intent
            conversation.intent_confidence = 1.0
            conversation.save(update_fields=["intent", "intent_confidence"])
        events.record_event(
            conversation=conversation,
            code=INTENT_CORRECTED,
            actor=actor,
            at=moment,
            message=locked.pk,
            before=previous,
            after=intent,
        )
    return locked
