"""Reading a buyer's message (买家留言) for packaging, privacy and delivery wishes.

"不要放价格单", "送礼 不要价格", "易碎 加固包装", "请发顺丰", "周末送货" become structured
flags that later stages obey — the packing slip prints without prices, the packer
reinforces the parcel, carrier choice prefers the buyer's. What is left of the message
after what was understood is kept as `unrecognised`: such an order is read by a person
before it ships. The words are data (data/instruction_phrases.json); the grammar is here.

A wish to leave something out is read by meaning, not as a fixed phrase (seed 000: the
student who wrote "快递产品时里面不要有任何价格信息"): the message is folded (full-width,
traditional characters, spaces), cut into clauses at punctuation, and in each clause a
negation ("不要", "别", "勿", "无需", "请勿" …, or a removal: "去掉", "撕掉" …) is looked
for together with what it is about — a price (价格, 价签, 价格单, 小票, 吊牌 …), an
invoice (发票), or paperwork in general (单据: both) — either way round ("别放发票和价格",
"价格和发票都不要", "把价签撕掉"), with fillers ("里面", "任何", "有", "放进去"),
conjunctions ("和", "跟", "还有", "、") and suffixes ("信息", "之类的") allowed between
and after, all of which the wish consumes. What is not a negation is never read as one:
questions ("要不要发票", "价格能不能便宜点"), reminders ("别忘了放发票"), mistakes to avoid
("发票不要开错"), requests ("需要开发票"), negated removals ("不要剪吊牌"). Those stay in
`unrecognised`, for a person. Gifts, fragile goods and reinforced packaging are phrases
(with their negated forms: "不是送人的", "不易碎"), carriers and delivery notes too.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import zhconv

PHRASES_FILE = Path(__file__).with_name("data") / "instruction_phrases.json"

# Characters that join clauses instead of ending one ("别放发票、价格").
_JOINING = "、/&+"
# Stand-ins written over spans that must not be read as wishes, so that no pattern of
# the grammar can match across them: a question (A-not-A: "要不要"), a reminder
# ("别忘了"), a request for a free gift ("送点小礼物"), what another reader understood.
_QUESTION, _REMINDER, _FREEBIE, _TAKEN = "\ue000", "\ue001", "\ue002", "\ue003"
# Sentence particles and thanks that may close a wish ("不要发票哦，谢谢").
_PARTICLES = ["了", "哦", "喔", "噢", "啊", "呀", "哈", "呢", "吧", "啦", "嘛", "哟", "哒", "的", "亲", "谢谢", "谢啦"]
# How far before its object a wish said object first may start ("快递产品时里面把价格单").
_LEAD = 12
_THEN = ("再", "然后", "之后", "以后", "后再")
_THANKS = [
    "发货",
    "发出",
    "寄出",
    "needed",
    "required",
    "necessary",
    "thank you",
    "也可以",
    "也行",
    "没关系",
    "也没事",
    "都可以",
    "都行",
    "谢谢",
    "谢啦",
    "哈哈",
    "就行",
    "就好",
    "就可以",
    "即可",
    "please",
    "pls",
    "thanks",
    "thx",
]


@dataclass(frozen=True)
class Instructions:
    no_price_slip: bool = False
    no_invoice: bool = False
    is_gift: bool = False
    fragile: bool = False
    reinforced_packaging: bool = False
    preferred_carrier: str = ""
    delivery_notes: tuple[str, ...] = ()
    unrecognised: str = ""

    @property
    def needs_reading(self) -> bool:
        """Something in the message that no rule understood: a person must read it."""
        return bool(self.unrecognised)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["delivery_notes"] = list(self.delivery_notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instructions:
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        known["delivery_notes"] = tuple(known.get("delivery_notes", ()))
        return cls(**known)


@cache
def _phrases() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PHRASES_FILE.read_text(encoding="utf-8"))
    return data


def _alternatives(words: Iterable[str]) -> str:
    """A regex group matching any of the words, longest first; an English word only as a
    whole word (so "no" is not read inside "note")."""
    parts = []
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        escaped = re.escape(word).replace("\\ ", " ").replace(" ", r"\s*")
        if word[:1].isascii() and word[:1].isalpha():
            escaped = rf"(?<![A-Za-z]){escaped}(?![A-Za-z])"
        parts.append(escaped)
    return "(?:" + "|".join(parts) + ")"


@dataclass(frozen=True)
class _Grammar:
    object_kind: dict[str, str]  # an object word (folded, lower case) -> price / invoice / paperwork
    objects: re.Pattern[str]
    negation_before: re.Pattern[str]  # a negation (with fillers) ending where a phrase starts
    cue_first: re.Pattern[str]  # 不要 … 价格 …
    removal_first: re.Pattern[str]  # 撕掉价签
    object_first: re.Pattern[str]  # 价格 … 不要 (to the clause's end)
    negation_before_object: re.Pattern[str]  # "不要把|吊牌剪了"
    blockers: re.Pattern[str]  # what after an object means the negation is about something else
    trailing: re.Pattern[str]  # what may close a wish when it reaches the clause's end
    particles: re.Pattern[str]
    questions: re.Pattern[str]
    asking: re.Pattern[str]  # the clause is a question
    modal: re.Pattern[str]  # … that asks for something ("可以…吗")
    reporting: re.Pattern[str]  # the clause tells what someone said
    reminders: re.Pattern[str]
    freebies: re.Pattern[str]
    gifts: re.Pattern[str]


@cache
def _grammar() -> _Grammar:
    words = _phrases()
    objects = {word.lower().replace(" ", ""): kind for kind, listed in words["objects"].items() for word in listed}
    sp = r"\s*"

    def token(pattern: str) -> str:
        # Atomic: once a word is read at a place it is not read again as a shorter one, so
        # a failing clause costs a walk along it, not every way of cutting it into words.
        return rf"(?:(?>{pattern}){sp})"

    neg = _alternatives(words["negations"])
    fill = _alternatives(words["fillers"])
    obj = _alternatives(word for listed in words["objects"].values() for word in listed)
    suffix = _alternatives(words["object_suffixes"])
    conj = _alternatives(words["conjunctions"])
    polite = "(?:" + _alternatives(words["polite"]) + "|" + _QUESTION + "+)"
    context = _alternatives(words["contexts"])
    # "不要让我妈看到价格": who must not see it, and how, is part of the wish.
    seen = r"(?:让|被|给)[^\W\d_]{0,6}?(?:看到|看见|知道|发现|瞧见)"
    filler = token(f"{seen}|{fill}")  # "给他看到" before "给"
    one = rf"{token(obj)}{token(suffix)}*"
    # Objects side by side ("发票价格") or joined ("发票和任何价格信息", "发票也不要价格").
    run = rf"{one}(?:(?:{token(conj)}{token(neg)}*{filler}*?)?{one})*"
    extra = ["里面", "的话", "还是", "一律", "统统", "通通", "全部", "都是", "帮我", "给我"]
    middle = token(rf"{polite}|{_alternatives([*'都也就是要', *extra])}")
    trailing_words = _alternatives(
        [*words["fillers"], *_PARTICLES, *_THANKS, *words["negations"], "出来", "进来", "吗", "么", "嘛"]
    )
    before_object = _alternatives(["把", "将", "这些", "那些", "这个", "那个", "任何", "所有", "一切", "什么", "啥"])
    return _Grammar(
        object_kind=objects,
        objects=re.compile(obj, re.IGNORECASE),
        negation_before=re.compile(rf"{neg}(?:要|用|需要|是|加|放|发|走|寄|选)?$", re.IGNORECASE),
        cue_first=re.compile(
            rf"{token(context)}*{token(polite)}*{token(neg)}+{filler}*?{run}",
            re.IGNORECASE,
        ),
        removal_first=re.compile(
            rf"{token(polite)}*{token(_alternatives(words['removals']))}"
            rf"{token('里面的|所有的|所有|全部|任何|的')}*{run}",
            re.IGNORECASE,
        ),
        object_first=re.compile(
            rf"{token(context)}*{token(f'{polite}|{before_object}')}*{run}"
            rf"{middle}*?(?:{token(neg)}+{filler}*?|{token(_alternatives(words['removals_after']))})"
            rf"{token(f'{seen}|{trailing_words}')}*",
            re.IGNORECASE,
        ),
        blockers=re.compile(
            rf"{sp}(?:的{sp})?(?:能|可以|会|要|给我|帮我|被)?{sp}"
            rf"(?:{_alternatives([*words['blockers_after_object'], *words['removals_after'], *'剪撕拆摘'])}"
            # "不开发票的话…": the suffix "的" was taken with the object
            r"|(?<=的)话)",
            re.IGNORECASE,
        ),
        negation_before_object=re.compile(rf"{neg}{sp}(?:把|将)?{sp}$", re.IGNORECASE),
        trailing=re.compile(rf"{token(f'{seen}|{trailing_words}|也|都|统统|全部')}*", re.IGNORECASE),
        particles=re.compile(rf"{token(_alternatives(_PARTICLES + _THANKS))}*", re.IGNORECASE),
        questions=re.compile(_alternatives(words["questions"])),
        asking=re.compile(r"(?:吗|么|嘛)\s*$"),
        modal=re.compile(_alternatives(words["modals"])),
        reporting=re.compile(_alternatives(words["reporting"])),
        reminders=re.compile(_alternatives(words["reminders"])),
        freebies=re.compile(
            rf"{_alternatives(words['freebie_asks'])}(?:一|几)?(?:个|点|些|份)?(?:小)?{_alternatives(words['freebies'])}"
            rf"|(?:小)?{_alternatives(words['freebies'])}(?:吗|么|嘛|没有|呢|没|少|在哪|怎么)"
            rf"|送的(?:小)?{_alternatives(words['freebies'])}"
        ),
        gifts=re.compile(
            rf"(?:送给?|给)(?:我的|我家|我)?{_alternatives(words['gift_people'])}(?:买)?(?:的)?"
            rf"(?:{_alternatives(words['gift'])})?"
            rf"|{_alternatives(p for p in words['gift_people'] if len(p) > 1)}(?:的)?"
            rf"(?:(?:过)?生日(?:{_alternatives(words['gift'])})?|{_alternatives(words['gift'])})",
            re.IGNORECASE,
        ),
    )


# --- folding -----------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return zhconv.convert(folded, "zh-cn") if folded else folded


@dataclass
class _Clause:
    text: str  # folded; spaces only between two Latin letters or digits
    origin: list[int]  # for each character of `text`, its index in the message
    work: list[str]  # `text` with stand-ins written over spans read (or not to be read)
    covered: list[bool]  # understood (a wish or a filler of one)

    def working(self) -> str:
        return "".join(self.work)

    def take(self, start: int, end: int) -> None:
        for index in range(start, end):
            self.covered[index] = True
            self.work[index] = _TAKEN

    def mask(self, start: int, end: int, stand_in: str) -> None:
        for index in range(start, end):
            self.work[index] = stand_in


def _clauses(message: str) -> list[_Clause]:
    """The message folded and cut at punctuation (joining marks such as "、" kept)."""
    clauses: list[_Clause] = []
    text: list[str] = []
    origin: list[int] = []

    def close() -> None:
        if text:
            clauses.append(_Clause("".join(text), list(origin), list(text), [False] * len(text)))
        text.clear()
        origin.clear()

    for index, char in enumerate(message):
        if char.isspace():
            # One space kept: the grammar reads across it ("不要 价格单"), a negation
            # does not reach over it to a carrier ("价格单不放 顺丰发").
            if text and text[-1] != " ":
                text.append(" ")
                origin.append(index)
            continue
        if char in "'’":
            continue  # "don't"
        for folded in _fold_char(char):
            if folded.isalnum() or folded == "_" or folded in _JOINING:
                text.append(folded)
                origin.append(index)
            else:
                close()
    close()
    return clauses


# --- reading a clause ----------------------------------------------------------------------


@dataclass
class _Found:
    no_price_slip: bool = False
    no_invoice: bool = False
    is_gift: bool = False
    fragile: bool = False
    reinforced: bool = False


def _phrase_spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int, str]]:
    """Where the phrases occur, longest first and without overlaps."""
    spans: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    lowered = text.lower()
    for phrase in sorted(set(phrases), key=lambda p: (-len(p), p)):
        needle = phrase.lower()
        start = lowered.find(needle)
        while start != -1:
            end = start + len(needle)
            if not any(taken[start:end]):
                spans.append((start, end, phrase))
                for index in range(start, end):
                    taken[index] = True
            start = lowered.find(needle, start + 1)
    return sorted(spans)


def _negated_at(clause: _Clause, start: int) -> bool:
    """A negation ends right before `start` ("不用|加固", "不要发|中通")."""
    before = "".join(clause.work[max(0, start - 8) : start])
    return bool(_grammar().negation_before.search(before))


def _mark_not_wishes(clause: _Clause) -> None:
    """Questions, reminders and requests for a free gift: never read as a wish."""
    grammar = _grammar()
    for pattern, stand_in in (
        (grammar.freebies, _FREEBIE),
        (grammar.reminders, _REMINDER),
        (grammar.questions, _QUESTION),
    ):
        for match in pattern.finditer(clause.working()):
            clause.mask(match.start(), match.end(), stand_in)
    # A clause asking something ("不给发票吗") or telling what others said ("别人说你们不开
    # 发票") wishes nothing, unless it asks for it ("可以不放发票吗", "能不开发票吗").
    is_asking = bool(grammar.asking.search(clause.text)) and not grammar.modal.search(clause.text)
    if is_asking or grammar.reporting.search(clause.text):
        clause.mask(0, len(clause.text), _QUESTION)


def _read_phrases(clause: _Clause, found: _Found, chosen: list[str], avoided: set[str]) -> set[str]:
    """Gifts, fragile goods, packaging, carriers (codes appended to `chosen`) and delivery
    notes; returns the delivery phrases found. A phrase after a negation ("不用加固",
    "不要发中通") is not a wish: it stays for a person (a carrier the buyer does not want
    is noted in `avoided`)."""
    words = _phrases()
    for key in ("gift_not", "fragile_not", "reinforced_not"):
        for start, end, _phrase in _phrase_spans(clause.working(), words[key]):
            clause.take(start, end)
    # Who the gift is for first ("妈妈生日礼物"), then the words alone.
    for match in _grammar().gifts.finditer(clause.working()):
        if not _negated_at(clause, match.start()):
            clause.take(match.start(), match.end())
            found.is_gift = True
    # The three lists together, longest phrase first: "包装好看" is a gift, not "包装好".
    kinds = {phrase: key for key in ("reinforced_packaging", "fragile", "gift") for phrase in words[key]}
    for start, end, phrase in _phrase_spans(clause.working(), kinds):
        if _negated_at(clause, start):
            continue
        clause.take(start, end)
        if kinds[phrase] == "fragile":
            found.fragile = True
        elif kinds[phrase] == "gift":
            found.is_gift = True
        else:
            found.reinforced = True
    delivery = set()
    for start, end, phrase in _phrase_spans(clause.working(), words["delivery"]):
        clause.take(start, end)
        delivery.add(phrase)
    by_name = {name.lower(): code for code, names in words["carriers"].items() for name in names}
    for start, end, phrase in _phrase_spans(clause.working(), by_name):
        if _negated_at(clause, start):
            avoided.add(by_name[phrase.lower()])
            continue
        clause.take(start, end)
        chosen.append(by_name[phrase.lower()])
    return delivery


def _kinds(text: str) -> set[str]:
    """What the wish leaves out. Paperwork is price slips and invoices both, unless it is
    paperwork with prices ("带价格的单据"): then it is the price."""
    grammar = _grammar()
    kinds = {grammar.object_kind[match.group(0).lower().replace(" ", "")] for match in grammar.objects.finditer(text)}
    if {"price", "paperwork"} <= kinds and "invoice" not in kinds:
        kinds.discard("paperwork")
    return kinds


def _read_negations(clause: _Clause, found: _Found) -> None:
    """Wishes to leave a price, an invoice or paperwork out, either way round."""
    grammar = _grammar()
    # Negation first: "快递产品时里面不要有任何价格信息", "别放发票和价格", "撕掉价签".
    for pattern in (grammar.cue_first, grammar.removal_first):
        position = 0
        while True:
            work = clause.working()
            match = pattern.search(work, position)
            if match is None:
                break
            position = match.start() + 1
            if pattern is grammar.removal_first and _negated_at(clause, match.start()):
                continue  # "不要剪吊牌": keep the tag
            end = _unblocked_end(pattern, work, match.start(), match.end())
            if end is None:
                continue  # "不要把价格标错", "不要价格太高的": about something else
            closing = grammar.trailing.match(work, end)
            if closing is not None and closing.end() == len(work):
                end = closing.end()
            else:
                particles = grammar.particles.match(work, end)
                end = particles.end() if particles is not None else end
            _take_wish(clause, found, match.start(), end)
            position = end
    # Object first, reaching the clause's end or something already understood:
    # "价格和发票都不要", "吊牌帮我剪掉", "价格信息千万别放进去哦".
    work = clause.working()
    # Where such a wish may end: the clause's end, something understood, or "then …"
    # ("吊牌剪掉再发", "价格单拿掉然后发顺丰").
    ends = sorted(
        {len(work)}
        | {
            index
            for index in range(1, len(work))
            if (work[index] == _TAKEN != work[index - 1]) or work.startswith(_THEN, index)
        },
        reverse=True,
    )
    # Such a wish starts at an object or a few words before one ("把", "这些", "包裹里"):
    # only those places are tried, so a long clause costs little.
    starts = sorted(
        {
            start
            for match in grammar.objects.finditer(work)
            for start in range(max(0, match.start() - _LEAD), match.start() + 1)
        }
    )
    taken_to = 0
    for start in starts:
        if start < taken_to:
            continue
        end = next((end for end in ends if end > start and grammar.object_first.fullmatch(work, start, end)), None)
        # "不要把吊牌剪了": a removal the buyer does not want.
        if end is None or grammar.negation_before_object.search(work, 0, start):
            continue
        _take_wish(clause, found, start, end)
        taken_to = end


def _unblocked_end(pattern: re.Pattern[str], work: str, start: int, end: int) -> int | None:
    """The end of the longest wish from `start` (at most `end`) not followed by what makes
    it about something else: "不要发票价格能便宜吗" is a wish about the invoice only."""
    grammar = _grammar()
    for candidate in range(end, start, -1):
        if candidate != end and not pattern.fullmatch(work, start, candidate):
            continue
        if not grammar.blockers.match(work, candidate):
            return candidate
    return None


def _take_wish(clause: _Clause, found: _Found, start: int, end: int) -> None:
    kinds = _kinds(clause.text[start:end])
    found.no_price_slip = found.no_price_slip or bool(kinds & {"price", "paperwork"})
    found.no_invoice = found.no_invoice or bool(kinds & {"invoice", "paperwork"})
    clause.take(start, end)


def _without(text: str, phrases: list[str]) -> list[bool]:
    """Which characters of the text an occurrence of the phrases covers (overlaps included)."""
    covered = [False] * len(text)
    lowered = text.lower()
    for phrase in phrases:
        needle = phrase.lower()
        start = lowered.find(needle)
        while start != -1:
            for index in range(start, start + len(needle)):
                covered[index] = True
            start = lowered.find(needle, start + 1)
    return covered


# Single characters that may open or close what is left without being part of it.
_OPENING = frozenset("请亲")
_CLOSING = frozenset(char for char in _PARTICLES if len(char) == 1) | frozenset("吧")


def _runs(clause: _Clause) -> list[list[tuple[str, int]]]:
    """The stretches of the clause no reader took (characters with their place in the message)."""
    runs: list[list[tuple[str, int]]] = [[]]
    for char, origin, covered in zip(clause.text, clause.origin, clause.covered, strict=True):
        if covered or char == " ":
            runs.append([])
        else:
            runs[-1].append((char, origin))
    return [run for run in runs if run]


def _unread(clauses: list[_Clause], ignore: list[str]) -> list[int]:
    """Where in the message is what no reader understood. A stretch made only of words
    that never need a person ("麻烦尽快发货", "谢谢亲") is dropped; from any other, the
    longer of those words ("帮我"), an opening "请" and closing particles ("的", "哦") are
    left out, never a single character inside it ("要发票" stays whole)."""
    long_words = [word for word in ignore if len(word) >= 2]
    origins: list[int] = []
    for clause in clauses:
        for run in _runs(clause):
            text = "".join(char for char, _origin in run)
            if all(_without(text, ignore)):
                continue
            kept = [pair for pair, ignored in zip(run, _without(text, long_words), strict=True) if not ignored]
            while kept and kept[0][0] in _OPENING:
                kept.pop(0)
            while kept and kept[-1][0] in _CLOSING:
                kept.pop()
            origins.extend(origin for _char, origin in kept if origin not in origins)
    return origins


def _found_in_order(found: set[str], phrases: list[str]) -> list[str]:
    """The phrases found, in the data's order, leaving out those inside a longer one found."""
    present = [phrase for phrase in phrases if phrase in found]
    return [phrase for phrase in present if not any(phrase != other and phrase in other for other in present)]


def read_instructions(message: str) -> Instructions:
    """The wishes found in a buyer message; an empty message gives no flags. What no rule
    understood is returned in `unrecognised` (in the buyer's own characters, without
    punctuation), unless it is shorter than two characters."""
    words = _phrases()
    clauses = _clauses(message)
    if not clauses:
        return Instructions()
    found = _Found()
    named: list[str] = []
    avoided: set[str] = set()
    delivery: set[str] = set()
    for clause in clauses:
        _mark_not_wishes(clause)
        delivery |= _read_phrases(clause, found, named, avoided)
        _read_negations(clause, found)
    chosen = [code for code in named if code not in avoided]
    leftover = "".join(message[origin] for origin in _unread(clauses, words["ignore"]))
    return Instructions(
        # a gift never travels with its price
        no_price_slip=found.is_gift or found.no_price_slip,
        no_invoice=found.no_invoice,
        is_gift=found.is_gift,
        fragile=found.fragile,
        reinforced_packaging=found.fragile or found.reinforced,
        preferred_carrier=chosen[0] if chosen else "",
        delivery_notes=tuple(_found_in_order(delivery, words["delivery"])),
        unrecognised=leftover if len(leftover) >= 2 else "",
    )
