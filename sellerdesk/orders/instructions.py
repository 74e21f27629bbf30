"""Reading a buyer's message (买家留言) for packaging, privacy and delivery wishes.

"不要放价格单", "送礼 不要价格", "易碎 加固包装", "请发顺丰", "周末送货" become structured
flags that later stages obey — the packing slip prints without prices, the packer
reinforces the parcel, carrier choice prefers the buyer's. What is left of the message
after the known phrases is kept as `unrecognised`: such an order is read by a person
before it ships. The phrases are data (data/instruction_phrases.json), not code.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

PHRASES_FILE = Path(__file__).with_name("data") / "instruction_phrases.json"
_PUNCTUATION = re.compile(r"[\s，,。.!！?？、;；:：~～…\-—()（）\[\]【】\"'“”‘’/]+")


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


def _found(text: str, phrases: list[str]) -> list[str]:
    """The phrases that occur in the text, leaving out those inside a longer one found."""
    present = [phrase for phrase in phrases if phrase in text]
    return [phrase for phrase in present if not any(phrase != other and phrase in other for other in present)]


def _without(text: str, phrases: list[str]) -> str:
    """The text with every occurrence of the phrases blanked out (overlaps included)."""
    covered = [False] * len(text)
    for phrase in phrases:
        start = text.find(phrase)
        while start != -1:
            for index in range(start, start + len(phrase)):
                covered[index] = True
            start = text.find(phrase, start + 1)
    return "".join(char for char, is_covered in zip(text, covered, strict=True) if not is_covered)


def read_instructions(message: str) -> Instructions:
    """The wishes found in a buyer message; an empty message gives no flags."""
    phrases = _phrases()
    text = _PUNCTUATION.sub("", message)
    if not text:
        return Instructions()
    carriers = [code for code, names in phrases["carriers"].items() if _found(text, names)]
    is_gift = bool(_found(text, phrases["gift"]))
    fragile = bool(_found(text, phrases["fragile"]))
    known = [
        *phrases["gift"],
        *phrases["no_price_slip"],
        *phrases["no_invoice"],
        *phrases["fragile"],
        *phrases["reinforced_packaging"],
        *phrases["delivery"],
        *(name for names in phrases["carriers"].values() for name in names),
    ]
    rest = _without(_without(text, known), phrases["ignore"])
    return Instructions(
        # a gift never travels with its price
        no_price_slip=is_gift or bool(_found(text, phrases["no_price_slip"])),
        no_invoice=bool(_found(text, phrases["no_invoice"])),
        is_gift=is_gift,
        fragile=fragile,
        reinforced_packaging=fragile or bool(_found(text, phrases["reinforced_packaging"])),
        preferred_carrier=carriers[0] if carriers else "",
        delivery_notes=tuple(_found(text, phrases["delivery"])),
        unrecognised=rest if len(rest) >= 2 else "",
    )
