"""Forbidden phrases (服务禁语) in an agent's draft (owner H3).

The list is data the owner edits (ForbiddenPhrase rows, seeded from
service/data/forbidden_phrases.csv by `seed_phrases`, which the data migration
0002_h3_forbidden_seed and the demo call). Each row has its canonical `phrase`, the
polite `alternative` the agent is offered, and `variants`: other wordings written in a
small pattern language (see `compile_wording`).

How a draft is matched:

1. The draft is normalised one character at a time, keeping for every character of the
   normalised text the index of the character of the draft it came from: NFKC (full-width
   letters and digits, compatibility forms), traditional → simplified (zhconv), lower
   case, 你/妳 → 您 and 咱/俺 → 我 (a taboo is as rude with either pronoun).
2. Punctuation, spaces and emoji become one clause boundary mark "|" (a run of them one
   mark), so that "公司，规定 是这样！" reads "公司|规定|是这样|".
3. Each wording is compiled to a regular expression whose characters may be separated by
   a clause mark and by one filler word (的 了 啊 呀 吧 呢 哦 嘛 啦 咯 哟 嘞 都 也 就 还 真 可): "公司的规定
   就是这样" matches "公司规定是这样". `(甲|乙)` gives alternatives, `?` makes the previous
   character or group optional, `…` allows a gap of up to six characters within the
   clause, and `$` requires the clause to end there (only fillers may follow before the
   punctuation or the end of the draft) — this is how a taboo that shares its words with
   innocent sentences is told from them: "连小朋友都会" is a taboo at the end of a clause
   ("这种问题连小朋友都会！") and not in "操作简单，连小朋友都会用".
4. Overlapping hits keep the earliest, then the longest; `start`/`end` are indices into
   the draft as given (end exclusive).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import zhconv
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sellerdesk.core import refcache
from sellerdesk.service.models import ForbiddenHit, ForbiddenPhrase

SEED_CSV = Path(__file__).resolve().parent / "data" / "forbidden_phrases.csv"

BOUNDARY = "|"
# Words that may stand between the words of a phrase without changing what it says.
FILLERS = "的了啊呀吧呢哦嘛啦咯哟嘞都也就还真可"
_GLUE = rf"(?:\{BOUNDARY}?[{FILLERS}]?\{BOUNDARY}?)"
_CLAUSE_END = rf"(?=[{FILLERS}哈呐喔滴嗯诶欸亲]*(?:\{BOUNDARY}|$))"
_CLAUSE_START = rf"(?:(?<=\{BOUNDARY})|^)"
_GAP = rf"[^\{BOUNDARY}]{{0,6}}?"
_PRONOUNS = str.maketrans({"你": "您", "妳": "您", "咱": "我", "俺": "我"})


@dataclass(frozen=True)
class Hit:
    phrase: str
    alternative: str
    start: int  # index in the draft as given (str indices)
    end: int
    phrase_id: int | None = None


@dataclass(frozen=True)
class PhraseRule:
    """One forbidden phrase with its wordings compiled (what the matcher runs)."""

    phrase: str
    alternative: str
    patterns: tuple[re.Pattern[str], ...]
    phrase_id: int | None = None


@dataclass(frozen=True)
class Normalised:
    text: str  # the normalised draft (clause marks "|" for punctuation and spaces)
    origin: tuple[int, ...]  # for each character of `text`, its index in the draft


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    simplified = zhconv.convert(folded, "zh-cn") if folded else folded
    return simplified.lower().translate(_PRONOUNS)


@lru_cache(maxsize=8192)
def _fold_cached(char: str) -> str:
    return _fold_char(char)


def normalise(text: str) -> Normalised:
    """The draft folded for matching, with the map back to the draft's indices."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_cached(char):
            if folded.isalnum():
                out.append(folded)
                origin.append(index)
            elif not out or out[-1] != BOUNDARY:
                out.append(BOUNDARY)
                origin.append(index)
    return Normalised(text="".join(out), origin=tuple(origin))


def _fold_wording(wording: str) -> str:
    return "".join(_fold_char(char) for char in wording)


def compile_wording(wording: str, *, clause_end: bool = False) -> re.Pattern[str]:
    """A wording of the small pattern language as a regular expression over normalised
    text (`clause_end`: as if it ended in `$`). Raises ValueError on a wording it cannot
    read (unbalanced parentheses, `?` with nothing before it, `$` not at the end)."""
    folded = _fold_wording(wording.strip())
    prefix = ""
    if folded.startswith("^"):
        prefix, folded = _CLAUSE_START, folded[1:]
    folded = folded.replace("...", "…")
    position = 0

    def sequence() -> str:
        nonlocal position
        atoms: list[str] = []
        while position < len(folded) and folded[position] not in "|)":
            char = folded[position]
            position += 1
            if char == "(":
                options = [sequence()]
                while position < len(folded) and folded[position] == "|":
                    position += 1
                    options.append(sequence())
                if position >= len(folded) or folded[position] != ")":
                    raise ValueError("unbalanced (")
                position += 1
                atoms.append("(?:" + "|".join(options) + ")")
            elif char == "?":
                if not atoms or atoms[-1] in (_GAP, _CLAUSE_END):
                    raise ValueError("? with nothing before it")
                atoms[-1] = f"(?:{atoms[-1]})?"
            elif char == "…":
                atoms.append(_GAP)
            elif char == "$":
                if position != len(folded):
                    raise ValueError("$ only at the end")
                atoms.append(_CLAUSE_END)
            elif char.isalnum():
                atoms.append(re.escape(char))
            # Anything else (punctuation, spaces in the wording) is ignored as in drafts.
        body = ""
        for index, atom in enumerate(atoms):
            if index and atom not in (_GAP, _CLAUSE_END) and atoms[index - 1] != _GAP:
                body += _GLUE + "?"
            body += atom
        return body

    body = sequence()
    if position != len(folded):
        raise ValueError("unbalanced )")
    if not body or body == _CLAUSE_END:
        raise ValueError("empty wording")
    if clause_end and not body.endswith(_CLAUSE_END):
        body += _CLAUSE_END
    return re.compile(prefix + body)


# A canonical phrase this short ("我不知道", "没有办法") is a taboo only when it ends a
# clause; inside a sentence ("我不知道您方便哪天收货") it is innocent.
SHORT_PHRASE = 4


def rule_for(
    *, phrase: str, alternative: str, variants: Iterable[str] = (), phrase_id: int | None = None
) -> PhraseRule:
    """The compiled rule of one phrase and its variants (unreadable variants are skipped:
    the owner's typo must not switch the check off)."""
    patterns = []
    short = len(normalise(phrase).text.strip(BOUNDARY)) <= SHORT_PHRASE
    for index, wording in enumerate([phrase, *variants]):
        if not wording or not wording.strip():
            continue
        try:
            patterns.append(compile_wording(wording, clause_end=index == 0 and short))
        except (ValueError, re.error):
            continue
    return PhraseRule(phrase=phrase, alternative=alternative, patterns=tuple(patterns), phrase_id=phrase_id)


def find_hits(text: str, rules: Sequence[PhraseRule]) -> list[Hit]:
    """The hits of `rules` in `text`: earliest first, overlaps resolved to the earliest
    then the longest."""
    if not text:
        return []
    normal = normalise(text)
    found: list[tuple[int, int, PhraseRule]] = []
    for rule in rules:
        for pattern in rule.patterns:
            for match in pattern.finditer(normal.text):
                start, end = match.span()
                # Trim clause marks at either end (a glue may have taken one).
                while start < end and normal.text[start] == BOUNDARY:
                    start += 1
                while end > start and normal.text[end - 1] == BOUNDARY:
                    end -= 1
                if start < end:
                    found.append((start, end, rule))
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    hits: list[Hit] = []
    last_end = -1
    for start, end, rule in found:
        if start < last_end:
            continue
        last_end = end
        hits.append(
            Hit(
                phrase=rule.phrase,
                alternative=rule.alternative,
                start=normal.origin[start],
                end=normal.origin[end - 1] + 1,
                phrase_id=rule.phrase_id,
            )
        )
    return hits


# --- the owner's list -----------------------------------------------------------------------


def seed_rows() -> list[dict[str, Any]]:
    """The seed list (service/data/forbidden_phrases.csv): phrase, alternative, variants
    (separated by " ; "), category."""
    with SEED_CSV.open(encoding="utf-8", newline="") as handle:
        rows = []
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            variants = [v.strip() for v in (row.get("variants") or "").split(";") if v.strip()]
            rows.append(
                {
                    "phrase": row["phrase"].strip(),
                    "alternative": row["alternative"].strip(),
                    "variants": variants,
                    "category": (row.get("category") or "").strip(),
                }
            )
        return rows


@lru_cache(maxsize=1)
def seed_rules() -> tuple[PhraseRule, ...]:
    """The seed list compiled, without a database (the bench, tests of the matcher)."""
    return tuple(
        rule_for(phrase=row["phrase"], alternative=row["alternative"], variants=row["variants"]) for row in seed_rows()
    )


def _load_rules() -> tuple[PhraseRule, ...]:
    return tuple(
        rule_for(phrase=row.phrase, alternative=row.alternative, variants=row.variants or (), phrase_id=row.pk)
        for row in ForbiddenPhrase.objects.filter(active=True).order_by("pk")
    )


def active_rules() -> tuple[PhraseRule, ...]:
    """The active phrases of the database, compiled, remembered per process for
    REFERENCE_CACHE_SECONDS (an edit through this module is seen at once here)."""
    return refcache.remembered(("service.forbidden",), _load_rules)


def check_draft(text: str) -> list[Hit]:
    """The forbidden phrases found in `text`, in order of position; [] when clean."""
    return find_hits(text, active_rules())


@refcache.forgets
def seed_phrases(*, at: datetime | None = None) -> int:
    """Fill ForbiddenPhrase from the seed list when it is empty; the number of rows added
    (0 when the owner already has a list: their edits are never overwritten)."""
    moment = at or timezone.now()
    with transaction.atomic():
        if ForbiddenPhrase.objects.exists():
            return 0
        ForbiddenPhrase.objects.bulk_create(
            ForbiddenPhrase(
                phrase=row["phrase"],
                alternative=row["alternative"],
                variants=row["variants"],
                category=row["category"],
                created_at=moment,
                updated_at=moment,
            )
            for row in seed_rows()
        )
        return ForbiddenPhrase.objects.count()


def hits_by_agent(*, start: datetime, end: datetime, shop_id: int | None = None) -> list[dict[str, Any]]:
    """Per agent, how often a draft was caught in [start, end): `hits` (every catch),
    `sent_anyway` (sent with a reason), `rewritten` (the rest); most caught first. With
    `shop_id`, only the catches in that shop's conversations."""
    rows = ForbiddenHit.objects.filter(at__gte=start, at__lt=end)
    if shop_id is not None:
        rows = rows.filter(conversation__shop_id=shop_id)
    counted = (
        rows.values("agent_id", "agent__username", "agent__display_name")
        .annotate(hits=Count("pk"), sent_anyway=Count("pk", filter=Q(sent_anyway=True)))
        .order_by("-hits", "agent_id")
    )
    return [
        {
            "agent_id": row["agent_id"],
            "username": row["agent__username"],
            "name": row["agent__display_name"] or row["agent__username"],
            "hits": row["hits"],
            "sent_anyway": row["sent_anyway"],
            "rewritten": row["hits"] - row["sent_anyway"],
        }
        for row in counted
    ]
