"""Forbidden phrases (service.forbidden): the matcher, the owner's list, hits per agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core import refcache
from sellerdesk.service import forbidden
from sellerdesk.service.models import ForbiddenHit, ForbiddenPhrase
from sellerdesk.shops.models import Shop, default_shop
from tests.factories import make_user
from tests.service.h4_builders import conversation

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 6, 2, 10, 0, tzinfo=SH)


def phrases_in(text: str) -> list[str]:
    return [hit.phrase for hit in forbidden.find_hits(text, forbidden.seed_rules())]


# Each seed-003 taboo, said as written and in other wordings, punctuation, spacing,
# full-width and traditional characters.
CAUGHT = [
    ("这种问题连小朋友都会", "这种问题连小朋友都会"),
    ("这种问题，连小孩子都知道！", "这种问题连小朋友都会"),
    ("连三岁小孩都懂啊", "这种问题连小朋友都会"),
    ("您怎么可以问这么低级的问题", "您怎么可以问这么低级的问题"),
    ("你怎么能问这种弱智问题？", "您怎么可以问这么低级的问题"),
    ("这么简单的问题都要问", "您怎么可以问这么低级的问题"),
    ("绝对不可能有这种事情发生", "绝对不可能有这种事情发生"),
    ("根本不可能发生这种情况", "绝对不可能有这种事情发生"),
    ("絕對不可能有這種事情發生", "绝对不可能有这种事情发生"),
    ("这不是我们管的", "这不是我们管的"),
    ("这事我们不管", "这不是我们管的"),
    ("這事我們不管。", "这不是我们管的"),
    ("这个不归我们管的", "这不是我们管的"),
    ("这事我不清楚", "这事我不清楚"),
    ("这个问题我也不清楚", "这事我不清楚"),
    ("公司规定是这样", "公司规定是这样"),
    ("公司的规定就是这样的，您理解一下", "公司规定是这样"),
    ("没办法公司规定的", "公司规定是这样"),
    ("ｇｏｏｄ 公 司 规 定 是 这 样", "公司规定是这样"),
    ("改天再与您联系", "改天再与您联系"),
    ("改天再联系你吧", "改天再与您联系"),
    ("回头再通知您", "改天再与您联系"),
    ("我们只能帮您反映，相关部门没有跟您联系是他们的事", "我们只能帮您反映，相关部门没有跟您联系是他们的事"),
    ("我们只能帮你反馈一下", "我们只能帮您反映，相关部门没有跟您联系是他们的事"),
    ("没人联系您那是他们的事", "我们只能帮您反映，相关部门没有跟您联系是他们的事"),
    ("这个真没办法😅", "没有办法"),
    ("我们也没有办法了。", "没有办法"),
    ("我不知道", "我不知道"),
    ("这个我也不知道哦", "我不知道"),
]

# Innocent sentences that share words with a taboo.
CLEAN = [
    "公司规定的退货地址是杭州市余杭区文一西路，请您寄到这里",
    "按照公司规定，7天内可以无理由退货，您放心",
    "这款玩具操作简单，连小朋友都会用",
    "这个问题很简单，我马上帮您解答",
    "这种情况以后绝对不会再发生，我们已经改进了包装",
    "我不知道您方便哪天收货，可以告诉我吗？",
    "我们没办法发到海外，国内都可以的",
    "我们会在2个工作日内与您联系，请保持电话畅通",
    "我马上帮您反映给仓库，今天一定给您发出",
    "您好，很高兴为您服务，请问有什么可以帮您的吗？",
    "非常抱歉让您久等了，我已经记录下来了",
    "改天您有空再来看看我们的新款哦",
    "不清楚尺码的话，告诉我身高体重我帮您推荐",
    "这是我们的工作，应该的，不客气",
    "相关部门会在今天下午联系您",
]


@pytest.mark.parametrize(("text", "phrase"), CAUGHT)
def test_taboos_are_caught_in_any_wording(text: str, phrase: str) -> None:
    assert phrases_in(text) == [phrase]


@pytest.mark.parametrize("text", CLEAN)
def test_innocent_sentences_sharing_words_are_not_flagged(text: str) -> None:
    assert phrases_in(text) == []


def test_start_and_end_index_the_draft_as_given() -> None:
    text = "亲～ 公 司 的 规 定，就是这样的！！请理解"
    [hit] = forbidden.find_hits(text, forbidden.seed_rules())
    assert (hit.start, hit.end) == (3, 18)
    assert text[hit.start : hit.end] == "公 司 的 规 定，就是这样的"
    assert hit.alternative.startswith("非常感谢您的建议")


def test_full_width_and_traditional_indices_are_the_drafts() -> None:
    text = "您好。這種問題，連小朋友都會！"
    [hit] = forbidden.find_hits(text, forbidden.seed_rules())
    assert text[hit.start : hit.end] == "這種問題，連小朋友都會"


def test_several_taboos_in_one_draft_in_order() -> None:
    text = "这事我们不管。改天再联系您吧，我不知道"
    hits = forbidden.find_hits(text, forbidden.seed_rules())
    assert [h.phrase for h in hits] == ["这不是我们管的", "改天再与您联系", "我不知道"]
    assert [text[h.start : h.end] for h in hits] == ["这事我们不管", "改天再联系您", "我不知道"]
    assert hits == sorted(hits, key=lambda hit: hit.start)


@pytest.mark.parametrize("text", ["", " ", "。。。", "\x00", "😀" * 50, "a" * 20000])
def test_odd_drafts_are_clean(text: str) -> None:
    assert forbidden.find_hits(text, forbidden.seed_rules()) == []


def test_the_pattern_language() -> None:
    pattern = forbidden.compile_wording("(甲|乙)?丙…丁$")
    assert pattern.search(forbidden.normalise("甲丙一二三丁。").text)
    assert pattern.search(forbidden.normalise("丙丁").text)
    assert not pattern.search(forbidden.normalise("丙丁戊").text)
    for bad in ("(甲", "甲)", "?甲", "甲$乙", ""):
        with pytest.raises(ValueError):
            forbidden.compile_wording(bad)


def test_an_unreadable_variant_is_skipped_not_fatal() -> None:
    rule = forbidden.rule_for(phrase="别烦我", alternative="请稍等", variants=["(不要", "少烦我$"])
    assert len(rule.patterns) == 2
    assert [h.phrase for h in forbidden.find_hits("少烦我！", [rule])] == ["别烦我"]


# --- the owner's list in the database --------------------------------------------------------


@pytest.fixture
def seeded(db: Any) -> None:
    """The seed list in the table (the tests run without migrations, so 0002 did not)."""
    forbidden.seed_phrases(at=AT)


def test_the_migration_seeds_the_list_from_the_csv(db: Any) -> None:
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = import_module("sellerdesk.service.migrations.0002_h3_forbidden_seed")
    migration.seed(apps, SimpleNamespace(connection=connection))
    migration.seed(apps, SimpleNamespace(connection=connection))  # twice: still once
    rows = forbidden.seed_rows()
    assert ForbiddenPhrase.objects.count() == len(rows) >= 10
    stored = ForbiddenPhrase.objects.get(phrase="绝对不可能有这种事情发生")
    assert stored.alternative == "这种情况的确特殊，我已经记录下来，稍后相关部门会与您联系。"
    assert stored.variants


def test_seeding_again_changes_nothing_and_keeps_the_owners_edits(seeded: None) -> None:
    ForbiddenPhrase.objects.filter(phrase="我不知道").update(alternative="我来查一下")
    assert forbidden.seed_phrases(at=AT) == 0
    assert ForbiddenPhrase.objects.get(phrase="我不知道").alternative == "我来查一下"


def test_seeding_an_empty_table(db: Any) -> None:
    assert forbidden.seed_phrases(at=AT) == len(forbidden.seed_rows())


def test_check_draft_reads_the_database_list(seeded: None) -> None:
    refcache.forget_all()
    assert [h.phrase for h in forbidden.check_draft("这事我们不管")] == ["这不是我们管的"]
    phrase = ForbiddenPhrase.objects.get(phrase="这不是我们管的")
    hit = forbidden.check_draft("这事我们不管")[0]
    assert hit.phrase_id == phrase.pk
    ForbiddenPhrase.objects.filter(pk=phrase.pk).update(active=False)
    refcache.forget_all()
    assert forbidden.check_draft("这事我们不管") == []
    ForbiddenPhrase.objects.create(phrase="亲自己看", alternative="我来帮您看", created_at=AT, updated_at=AT)
    refcache.forget_all()
    assert [h.phrase for h in forbidden.check_draft("亲，自己看！")] == ["亲自己看"]


def test_hits_by_agent(seeded: None) -> None:
    hua = make_user("hua", "agent", "阿华")
    mei = make_user("mei", "agent", "小美")
    other_shop = Shop.objects.create(code="S2", name="二店")
    here = conversation(when=AT)
    there = conversation(when=AT, shop=other_shop)
    phrase = ForbiddenPhrase.objects.get(phrase="我不知道")

    def hit(agent: Any, conv: Any, minute: int, sent_anyway: bool = False) -> None:
        ForbiddenHit.objects.create(
            agent=agent,
            conversation=conv,
            phrase=phrase,
            phrase_text=phrase.phrase,
            draft="我不知道",
            sent_anyway=sent_anyway,
            reason="买家要求" if sent_anyway else "",
            at=AT.replace(minute=minute),
        )

    hit(hua, here, 1)
    hit(hua, here, 2, sent_anyway=True)
    hit(hua, there, 3)
    hit(mei, here, 4)
    hit(mei, here, 59)  # outside [10:00, 10:30)
    rows = forbidden.hits_by_agent(start=AT, end=AT.replace(minute=30))
    assert [(r["username"], r["hits"], r["sent_anyway"], r["rewritten"]) for r in rows] == [
        ("hua", 3, 1, 2),
        ("mei", 1, 0, 1),
    ]
    assert rows[0]["name"] == "阿华"
    in_shop = forbidden.hits_by_agent(start=AT, end=AT.replace(minute=30), shop_id=default_shop().pk)
    assert [(r["username"], r["hits"]) for r in in_shop] == [("hua", 2), ("mei", 1)]
