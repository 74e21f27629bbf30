"""Intent classification (service.intents): the labels, the threshold, corrections."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from sellerdesk.service import intent_model, intents
from sellerdesk.service.models import INTENTS, UNCLASSIFIED

EXAMPLES = {
    "where_is_my_order": "我的快递到哪了，物流三天没更新",
    "urge_shipping": "拍了好几天了怎么还不发货",
    "change_address": "收货地址写错了，帮我改成公司地址",
    "change_item": "还没发货的话帮我把黑色换成白色",
    "cancel_order": "不想要了，帮我取消订单",
    "refund_request": "退款怎么还没到账",
    "return_exchange": "衣服大了，想退货",
    "damaged_or_wrong": "收到的杯子碎了",
    "price_bargain": "能便宜点吗，包邮吗",
    "product_question": "身高165体重110穿什么码",
    "payment_problem": "付款一直失败，花呗用不了",
    "complaint": "你们这什么服务态度，我要投诉",
}


def test_the_corpus_has_every_label_and_enough_of_each() -> None:
    rows = intent_model.read_corpus()
    counts = {label: 0 for label in intent_model.LABELS}
    for _text, label in rows:
        counts[label] += 1
    assert set(intent_model.INTENTS) == set(INTENTS)
    assert all(counts[label] >= 120 for label in INTENTS), counts
    assert counts[UNCLASSIFIED] >= 100


@pytest.mark.parametrize(("intent", "text"), sorted(EXAMPLES.items()))
def test_classify_typical_messages(intent: str, text: str) -> None:
    prediction = intents.classify(text)
    assert prediction.intent == intent
    assert 0.0 <= prediction.confidence <= 1.0


@pytest.mark.parametrize("text", ["在吗", "谢谢亲", "好的", "哈哈哈", "👍"])
def test_chit_chat_is_unclassified(text: str) -> None:
    assert intents.classify(text).intent == UNCLASSIFIED


@pytest.mark.parametrize("text", ["", "   ", "\x00", "。。。" * 2000, "a" * 100000])
def test_any_text_gives_an_answer(text: str) -> None:
    prediction = intents.classify(text)
    assert prediction.intent in (*INTENTS, UNCLASSIFIED)
    assert 0.0 <= prediction.confidence <= 1.0


def test_traditional_and_full_width_read_as_simplified() -> None:
    assert intents.classify("我的快遞到哪裡了").intent == "where_is_my_order"
    assert intents.classify("ｒｅｆｕｎｄ ｐｌｅａｓｅ 退款").intent == "refund_request"


def test_below_the_threshold_the_answer_is_unclassified() -> None:
    text = EXAMPLES["refund_request"]
    confidence = intents.classify(text).confidence
    service = {**settings.SELLERDESK["SERVICE"], "INTENT_THRESHOLD": min(confidence + 0.01, 1.01)}
    with override_settings(SELLERDESK={**settings.SELLERDESK, "SERVICE": service}):
        answer = intents.classify(text)
    assert answer.intent == UNCLASSIFIED
    assert answer.confidence == confidence


def test_classify_many_matches_classify() -> None:
    texts = [*EXAMPLES.values(), "", "在吗"]
    assert intents.classify_many(texts) == [intents.classify(text) for text in texts]


def test_the_shipped_model_file_is_small() -> None:
    assert intent_model.MODEL_FILE.stat().st_size < 1_000_000


def test_training_without_the_file_gives_the_same_labels(tmp_path: Any) -> None:
    model = intent_model.load(tmp_path / "absent.joblib")
    shipped = intents.model()
    texts = [intent_model.normalise(text) for text in EXAMPLES.values()]
    assert list(model.predict(texts)) == list(shipped.predict(texts))


def test_the_retrain_script_learns_the_corrections(db: Any, tmp_path: Any) -> None:
    import importlib.util
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sellerdesk.service.models import IntentCorrection

    spec = importlib.util.spec_from_file_location("train_intents", "scripts/train_intents.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = "蓝莓味的还有吗"  # a question about the goods, corrected to a complaint on purpose
    for minute in range(3):
        IntentCorrection.objects.create(
            text=text,
            predicted="product_question",
            corrected="complaint",
            at=datetime(2026, 6, 2, 10, minute, tzinfo=ZoneInfo("Asia/Shanghai")),
        )
    output = tmp_path / "model.joblib"
    assert script.main(["--output", str(output)]) == 0
    retrained = intent_model.load(output)
    assert list(retrained.predict([intent_model.normalise(text)])) == ["complaint"]
    assert intents.classify(text).intent == "product_question"  # the shipped model is untouched
