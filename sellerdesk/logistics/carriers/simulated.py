"""The simulated carrier that ships with sellerdesk: it behaves like a real express
company's system, deterministically from a seed, so that a shop can try the whole flow
and tests can rely on every answer.

- Tracking numbers in the carrier's own format (SF…, 73…, YT…), derived from the seed,
  the carrier, the order and the parcel's sequence number.
- Books once per idempotency key: what it booked is kept in its own table
  (logistics.SimulatedBooking), so a key sent again, even after a restart, answers with
  the same parcel.
- Refuses an address outside the carrier's coverage (超区), from the coverage tables.
- Reports scans over time after hand-over: picked up, through two sorting centres,
  out for delivery, delivered — with the hours between scans configurable.
- A scenario per parcel adds trouble: a weather or accident delay, overload at a
  sorting centre (爆仓), a parcel that stops being scanned, a lost or damaged parcel,
  a COD parcel refused (拒收) and coming back, an address found outside the area at the
  destination. The scenario is asked for in the request options (`scenario`) or drawn
  from the seed with the configured rates.
- Signs its webhooks with HMAC-SHA256 over the raw body in `X-Signature`.

Settings (settings.SELLERDESK["SIMULATED_CARRIER"], all optional): `seed`, `secret`,
`step_hours` (6 numbers), `delay_hours`, `rates` ({scenario: weight}), and for tests
`pause_after_booking_seconds` (also the environment's SIMULATED_CARRIER_PAUSE_AFTER_BOOKING):
the carrier answers that long after it has booked, so that a test can kill the booking
process between the carrier's booking and the answer being recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import dates, limits
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.logistics.carriers.base import (
    CarrierTrackingEvent,
    CreatedShipment,
    LabelData,
    OutOfArea,
    ParcelRef,
    ShipmentRequest,
)

if TYPE_CHECKING:
    from sellerdesk.logistics.models import Carrier

SCENARIOS = (
    "normal",
    "weather",
    "accident",
    "overload",
    "stalled",
    "lost",
    "damaged",
    "refused",
    "out_of_area",
)
DEFAULTS: dict[str, Any] = {
    "seed": "sellerdesk-simulated-carrier",
    "secret": "simulated-carrier-secret",
    # hours: pickup → left origin centre → at hub → left hub → at destination centre → out for delivery → delivered
    "step_hours": [2, 16, 2, 10, 10, 4],
    "delay_hours": 48,
    "pause_after_booking_seconds": float(os.environ.get("SIMULATED_CARRIER_PAUSE_AFTER_BOOKING", "0")),
    "rates": {
        "normal": 86,
        "weather": 2,
        "accident": 1,
        "overload": 3,
        "stalled": 3,
        "lost": 1,
        "damaged": 1,
        "refused": 2,
        "out_of_area": 1,
    },
}


def config() -> dict[str, Any]:
    return {**DEFAULTS, **settings.SELLERDESK.get("SIMULATED_CARRIER", {})}


def _digits(seed: bytes, count: int) -> str:
    number = int.from_bytes(hashlib.sha256(seed).digest(), "big")
    return str(number)[-count:].rjust(count, "0")


_FORMATS: dict[str, tuple[str, int]] = {
    "SF": ("SF", 13),
    "ZTO": ("73", 12),
    "YTO": ("YT", 13),
    "YUNDA": ("43", 11),
    "STO": ("77", 13),
    "JD": ("JDVA", 11),
    "EMS": ("11", 11),
}


def tracking_number_for(carrier_code: str, seed: bytes) -> str:
    prefix, count = _FORMATS.get(carrier_code.upper(), (carrier_code.upper()[:4], 12))
    return prefix + _digits(seed, count)


@dataclass(frozen=True)
class _Scan:
    kind: str
    hours: float
    location: str
    description: str


class SimulatedCarrier:
    name = "simulated"

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        self.config = config()

    # --- booking ------------------------------------------------------------------

    def create_shipment(self, request: ShipmentRequest) -> CreatedShipment:
        """Book the parcel, or answer with the parcel booked already under the request's
        idempotency key (a request without a key is booked without being remembered)."""
        from sellerdesk.logistics.models import SimulatedBooking

        key = request.idempotency_key
        if key:
            known = self._booked(key)
            if known is not None:
                return known
        created = self._book(request)
        if key:
            try:
                with transaction.atomic():
                    SimulatedBooking.objects.create(
                        carrier=self.carrier,
                        idempotency_key=key,
                        tracking_number=created.tracking_number,
                        label=created.label.as_json(),
                        carrier_data=created.carrier_data,
                        booked_at=timezone.now(),
                    )
            except IntegrityError:
                # The same key booked at the same moment by another caller: its parcel is the one.
                known = self._booked(key)
                assert known is not None
                return known
        pause = float(self.config["pause_after_booking_seconds"])
        if pause > 0:
            time.sleep(pause)
        return created

    def _booked(self, key: str) -> CreatedShipment | None:
        """The parcel booked under `key`, counting this request; None if the key is new."""
        from sellerdesk.logistics.models import SimulatedBooking

        if not SimulatedBooking.objects.filter(carrier=self.carrier, idempotency_key=key).update(
            requests=F("requests") + 1
        ):
            return None
        booking = SimulatedBooking.objects.get(carrier=self.carrier, idempotency_key=key)
        return CreatedShipment(
            tracking_number=booking.tracking_number,
            label=LabelData.from_json(booking.label),
            carrier_data=booking.carrier_data,
        )

    def _book(self, request: ShipmentRequest) -> CreatedShipment:
        from sellerdesk.logistics.queries import can_reach

        receiver = request.receiver
        if not can_reach(self.carrier, receiver.province, receiver.city, receiver.district):
            raise OutOfArea(
                _("%(carrier)s does not deliver to %(area)s (超区).")
                % {"carrier": self.carrier.name, "area": f"{receiver.province}{receiver.city}{receiver.district}"},
                details={"carrier": self.carrier.code},
            )
        attempt = int(request.options.get("attempt", 0))
        seed = f"{self.config['seed']}|{self.carrier.code}|{request.reference}|{attempt}".encode()
        tracking_number = tracking_number_for(self.carrier.code, seed)
        scenario = str(request.options.get("scenario") or self._draw_scenario(seed, request.cod_amount))
        if scenario not in SCENARIOS:
            raise ValidationFailed({"options.scenario": _("unknown scenario %(name)s") % {"name": scenario}})
        routing = f"{receiver.province[:2]}-{receiver.city[:2]}-{_digits(seed + b'route', 3)}"
        label = LabelData(
            tracking_number=tracking_number,
            carrier_code=self.carrier.code,
            carrier_name=self.carrier.name,
            sender=request.sender,
            receiver=receiver,
            routing_code=routing,
            cod_amount=request.cod_amount,
            weight_grams=request.weight_grams,
            reference=request.reference,
        )
        carrier_data = {
            "scenario": scenario,
            "origin": request.sender.city or request.sender.province,
            "hub": receiver.province,
            "destination": receiver.city or receiver.province,
            "station": receiver.district or receiver.city,
            "cod": request.cod_amount > 0,
        }
        return CreatedShipment(tracking_number=tracking_number, label=label, carrier_data=carrier_data)

    def _draw_scenario(self, seed: bytes, cod_amount: Decimal) -> str:
        rates = dict(self.config["rates"])
        if cod_amount <= 0:
            rates.pop("refused", None)  # only a COD parcel can be refused at the door
        names = sorted(rates)
        return random.Random(seed).choices(names, weights=[rates[name] for name in names])[0]

    def cancel_shipment(self, parcel: ParcelRef) -> None:
        """Nothing to undo in the simulator's books; a real adapter calls the carrier."""

    # --- tracking -----------------------------------------------------------------

    def scans(self, parcel: ParcelRef) -> list[_Scan]:
        """The parcel's whole story, hours after hand-over; empty before hand-over."""
        data = parcel.carrier_data
        step = [float(h) for h in self.config["step_hours"]]
        delay = float(self.config["delay_hours"])
        origin, hub, destination = data.get("origin", ""), data.get("hub", ""), data.get("destination", "")
        station = data.get("station", "")
        origin_centre, hub_centre = f"{origin}转运中心", f"{hub}分拨中心"
        destination_centre, outlet = f"{destination}分拣中心", f"{station}营业部"
        plan = [
            _Scan("picked_up", 0, origin, f"【{origin}】快件已揽收"),
            _Scan("departed", step[0], origin_centre, f"快件已从【{origin_centre}】发出"),
            _Scan("arrived", sum(step[:2]), hub_centre, f"快件已到达【{hub_centre}】"),
            _Scan("departed", sum(step[:3]), hub_centre, f"快件已从【{hub_centre}】发出"),
            _Scan("arrived", sum(step[:4]), destination_centre, f"快件已到达【{destination_centre}】"),
            _Scan("out_for_delivery", sum(step[:5]), outlet, f"【{outlet}】派件员正在派件"),
            _Scan("delivered", sum(step[:6]), outlet, "快件已签收"),
        ]
        scenario = data.get("scenario", "normal")
        if scenario == "weather":
            plan = _delayed(plan, 2, _Scan("delayed_weather", 1, hub_centre, "受暴雨天气影响，派送延误"), delay)
        elif scenario == "accident":
            plan = _delayed(plan, 1, _Scan("delayed_accident", 3, origin_centre, "运输车辆发生事故，快件延误"), delay)
        elif scenario == "overload":
            plan = _delayed(plan, 2, _Scan("overload", 1, hub_centre, "分拨中心爆仓，快件积压"), delay * 0.75)
        elif scenario == "stalled":
            plan = plan[:3] + [_Scan(s.kind, s.hours + delay * 2, s.location, s.description) for s in plan[3:]]
        elif scenario == "lost":
            plan = [*plan[:4], _Scan("lost", plan[3].hours + delay * 2.5, hub_centre, "快件遗失")]
        elif scenario == "damaged":
            damaged = _Scan("damaged", plan[4].hours + 1, destination_centre, "快件外包装破损")
            plan = [*plan[:5], damaged, *plan[5:]]
        elif scenario == "refused":
            out = plan[5].hours
            plan = [
                *plan[:6],
                _Scan("refused", out + 3, outlet, "收件人拒收（货到付款）"),
                _Scan("returning", out + 5, outlet, "快件退回寄件人"),
                _Scan("returned", out + delay * 1.5, origin, "退件已签收"),
            ]
        elif scenario == "out_of_area":
            at = plan[4].hours
            plan = [
                *plan[:5],
                _Scan("out_of_area", at + 2, destination_centre, "收件地址超出派送范围（超区），请联系寄件人"),
                _Scan("returning", at + delay * 2, destination_centre, "超区件退回寄件人"),
                _Scan("returned", at + delay * 3.5, origin, "退件已签收"),
            ]
        return plan

    def fetch_events(self, parcel: ParcelRef, *, now: datetime) -> list[CarrierTrackingEvent]:
        if parcel.handed_over_at is None:
            return []
        start = parcel.handed_over_at
        events = []
        for index, scan in enumerate(self.scans(parcel)):
            at = start + timedelta(hours=scan.hours)
            if at > now:
                break
            events.append(
                CarrierTrackingEvent(
                    event_id=f"{parcel.tracking_number}-{index:02d}",
                    tracking_number=parcel.tracking_number,
                    kind=scan.kind,
                    at=at,
                    location=scan.location,
                    description=scan.description,
                )
            )
        return events

    # --- webhooks -----------------------------------------------------------------

    def _secret(self) -> bytes:
        secrets: dict[str, str] = settings.SELLERDESK.get("CARRIER_WEBHOOK_SECRETS", {})
        return str(secrets.get(self.carrier.code) or self.config["secret"]).encode()

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret(), body, hashlib.sha256).hexdigest()

    def verify_signature(self, body: bytes, headers: dict[str, str]) -> bool:
        return hmac.compare_digest(headers.get("x-signature", ""), self.sign(body))

    def webhook(self, events: list[CarrierTrackingEvent]) -> tuple[bytes, dict[str, str]]:
        """The body and headers the simulated carrier posts for these events."""
        body = json.dumps(
            {
                "events": [
                    {
                        "id": event.event_id,
                        "tracking_number": event.tracking_number,
                        "kind": event.kind,
                        "at": event.at.isoformat(),
                        "location": event.location,
                        "description": event.description,
                    }
                    for event in events
                ]
            },
            ensure_ascii=False,
        ).encode()
        return body, {"X-Signature": self.sign(body)}

    def parse_webhook(self, body: bytes) -> list[CarrierTrackingEvent]:
        from sellerdesk.logistics.models import TrackingKind

        try:
            raw = limits.loads(body)
            items = raw["events"]
            if not isinstance(items, list) or not items or len(items) > 500:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise ValidationFailed({"body": _("expected JSON with a non-empty list of events")}) from None
        events: list[CarrierTrackingEvent] = []
        bad: dict[str, str] = {}
        for index, item in enumerate(items):
            where = f"events[{index}]"
            if not isinstance(item, dict):
                bad[where] = _("must be an object")
                continue
            texts = {name: item.get(name) for name in ("id", "tracking_number", "kind", "at")}
            for name, value in texts.items():
                if not isinstance(value, str) or not 0 < len(value) <= 100 or "\x00" in value:
                    bad[f"{where}.{name}"] = _("must be a non-empty string of at most 100 characters")
            if bad:
                continue
            if texts["kind"] not in TrackingKind.values:
                bad[f"{where}.kind"] = _("unknown event kind %(kind)s") % {"kind": texts["kind"]}
                continue
            try:
                # A scan cannot come from beyond tomorrow (nor from year 568): core.dates.
                at = dates.check_not_future(dates.parse_datetime(str(texts["at"])), now=timezone.now())
            except dates.NotADate as error:
                bad[f"{where}.at"] = str(error)
                continue
            extras = {name: item.get(name, "") for name in ("location", "description")}
            for name, value in extras.items():
                if not isinstance(value, str) or len(value) > 100 or "\x00" in value:
                    bad[f"{where}.{name}"] = _("must be a string of at most 100 characters")
            if bad:
                continue
            events.append(
                CarrierTrackingEvent(
                    event_id=str(texts["id"]),
                    tracking_number=str(texts["tracking_number"]),
                    kind=str(texts["kind"]),
                    at=at,
                    location=str(extras["location"]),
                    description=str(extras["description"]),
                )
            )
        if bad:
            raise ValidationFailed(bad)
        return events


def _delayed(plan: list[_Scan], after: int, trouble: _Scan, delay: float) -> list[_Scan]:
    """`trouble` reported `trouble.hours` after scan `after`; everything later `delay` hours late."""
    base = plan[after].hours
    event = _Scan(trouble.kind, base + trouble.hours, trouble.location, trouble.description)
    later = [_Scan(s.kind, s.hours + delay, s.location, s.description) for s in plan[after + 1 :]]
    return [*plan[: after + 1], event, *later]
