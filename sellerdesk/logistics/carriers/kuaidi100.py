"""快递100 (api.kuaidi100.com), a carrier aggregator, as a carrier adapter.

One 快递100 enterprise account books waybills (电子面单) with the seller's own account at
each express company and reports their scans; a Carrier row whose adapter is "kuaidi100"
goes through it. The requests, their signatures and the answers read follow 快递100's
public documentation (the pages are named beside each function):

- booking and cancelling: 电子面单下单接口 / 电子面单取消接口 (V2),
  POST https://api.kuaidi100.com/label/order, form fields method ("order" / "cancel"),
  key, t (milliseconds), param (JSON) and sign = MD5(param + t + key + secret), 32
  upper-case hex digits;
- tracking by polling: 实时快递查询接口, POST https://poll.kuaidi100.com/poll/query.do,
  form fields customer, param (JSON) and sign = MD5(param + key + customer), upper-case;
- tracking by push: 快递信息推送服务. A parcel is subscribed when it is booked
  (needSubscribe with pollCallBackUrl and salt in the booking's param), or with
  `subscribe` (订阅接口, POST https://poll.kuaidi100.com/poll, schema=json and param
  with key, company, number and parameters.callbackurl / salt). 快递100 then posts the
  parcel's whole history to the callback as a form body (param=JSON&sign=…) with
  sign = MD5(param + salt), upper-case: `verify_signature` and `parse_webhook`.

Nothing here opens a database transaction or runs inside one: the callers
(logistics.booking, logistics.actions, logistics.stopping, logistics.tracking) call the
adapter with no transaction open, and so must any new caller.

Settings: settings.SELLERDESK["KUAIDI100"] (see settings.py and docs/logistics.md);
without a key and secret the adapter refuses every call with CarrierNotConfigured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import dates, limits
from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.logistics.carriers.base import (
    CarrierTrackingEvent,
    CarrierUnavailable,
    CreatedShipment,
    LabelData,
    OutOfArea,
    ParcelRef,
    Party,
    ShipmentRequest,
)

if TYPE_CHECKING:
    from sellerdesk.logistics.models import Carrier

logger = logging.getLogger(__name__)

# 快递100 writes its times as China's wall-clock time without an offset.
CHINA = ZoneInfo("Asia/Shanghai")

DEFAULTS: dict[str, Any] = {
    "KEY": "",
    "SECRET": "",
    "CUSTOMER": "",
    "SALT": "",
    "LABEL_URL": "https://api.kuaidi100.com/label/order",
    "QUERY_URL": "https://poll.kuaidi100.com/poll/query.do",
    "SUBSCRIBE_URL": "https://poll.kuaidi100.com/poll",
    "CALLBACK_BASE_URL": "",
    "ACCOUNTS": {},
    "COMPANY_CODES": {},
    "PAY_TYPE": "MONTHLY",
    "CARGO": "",
    "TIMEOUT_SECONDS": 10.0,
}

# Our carrier codes (logistics/defaults.py) as 快递100 names the express companies
# (its 快递公司编码 table: lower-case codes); COMPANY_CODES in the settings adds or overrides.
COMPANY_CODES: dict[str, str] = {
    "SF": "shunfeng",
    "ZTO": "zhongtong",
    "YTO": "yuantong",
    "YUNDA": "yunda",
    "STO": "shentong",
    "JD": "jd",
    "EMS": "ems",
    "POST": "youzhengguonei",
}

# The 电子面单 account fields an ACCOUNTS entry may carry, sent as they are (the
# 电子面单下单接口's param: partnerId … tbNet; expType and payType per account).
ACCOUNT_FIELDS = (
    "partnerId",
    "partnerKey",
    "partnerSecret",
    "partnerName",
    "net",
    "code",
    "checkMan",
    "tbNet",
    "expType",
    "payType",
)

# 实时快递查询 / 推送 "state" and the per-scan "statusCode" (高级物流状态, asked for with
# resultv2=4), from the documentation's table 运单快递状态(state)说明, as TrackingKind values.
# "" means a transit scan whose direction is read from its text (see _transit_kind);
# None means not mapped: the scan is not recorded (see docs/logistics.md).
STATE_KINDS: dict[str, str | None] = {
    "1": "picked_up",  # 揽收
    "101": None,  # 已下单: nothing has moved yet
    "102": None,  # 待揽收
    "103": "picked_up",  # 已揽收
    "0": "",  # 在途
    "1001": "arrived",  # 到达派件城市
    "1002": "",  # 干线
    "1003": "departed",  # 转递: sent on to a new address
    "5": "out_for_delivery",  # 派件
    "501": "out_for_delivery",  # 投柜或驿站: waiting in a locker or a station
    "3": "delivered",  # 签收
    "301": "delivered",  # 本人签收
    "302": "delivered",  # 派件异常后签收
    "303": "delivered",  # 代签
    "304": "delivered",  # 投柜或站签收
    "6": "returning",  # 退回
    "4": "returned",  # 退签
    "401": None,  # 已销单: the waybill was voided
    "14": "refused",  # 拒签
    "7": "departed",  # 转投: handed to another express company
    "2": "trouble",  # 疑难
    "201": "trouble",  # 超时未签收
    "202": "trouble",  # 超时未更新
    "203": "refused",  # 拒收
    "204": "trouble",  # 派件异常
    "205": "trouble",  # 柜或驿站超时未取
    "206": "trouble",  # 无法联系
    "207": "out_of_area",  # 超区
    "208": "trouble",  # 滞留
    "209": "damaged",  # 破损
    "210": None,  # 销单
}
# The state names 快递100 writes on each scan ("status") when no code is given (resultv2=1).
STATE_NAMES: dict[str, str] = {
    "揽收": "1",
    "在途": "0",
    "派件": "5",
    "签收": "3",
    "退回": "6",
    "退签": "4",
    "拒签": "14",
    "转投": "7",
    "疑难": "2",
}
# A 疑难 scan says what went wrong only in its text; these words name the causes
# sellerdesk's parcel-problem desk knows. A 疑难 scan without one is not recorded.
TROUBLE_WORDS: tuple[tuple[str, str], ...] = (
    ("超区", "out_of_area"),
    ("超出派送范围", "out_of_area"),
    ("爆仓", "overload"),
    ("积压", "overload"),
    ("天气", "delayed_weather"),
    ("暴雨", "delayed_weather"),
    ("台风", "delayed_weather"),
    ("大雪", "delayed_weather"),
    ("事故", "delayed_accident"),
    ("遗失", "lost"),
    ("丢失", "lost"),
    ("破损", "damaged"),
    ("拒收", "refused"),
    ("拒签", "refused"),
)
ARRIVAL_WORDS = ("到达", "已到", "到件", "进港", "下车")

# A carrier's refusal that means the address is outside its area (超区).
OUT_OF_AREA_WORDS = ("超区", "不在服务范围", "超出派送范围", "超出服务范围", "不支持派送")

# Answer codes that mean 快递100 itself failed, not that it refused us, per API (each
# page's 返回信息代码 table): 电子面单 -1 and 500 服务器错误 (whether it booked is
# unknown); 实时查询 501 服务器错误 and 502 服务器繁忙; 订阅 500 服务器错误.
LABEL_SERVER_ERRORS = frozenset({"-1", "500"})
QUERY_SERVER_ERRORS = frozenset({"501", "502"})
SUBSCRIBE_SERVER_ERRORS = frozenset({"500"})
MAX_EVENTS = 500


class CarrierNotConfigured(DomainError):
    """The adapter has no credentials (settings.SELLERDESK["KUAIDI100"])."""

    code = "carrier_not_configured"
    status = 503


class CarrierRefused(DomainError):
    """The aggregator answered and refused (a bad account, a bad signature, bad data)."""

    code = "carrier_refused"
    status = 409


def config() -> dict[str, Any]:
    return {**DEFAULTS, **settings.SELLERDESK.get("KUAIDI100", {})}


def md5_upper(text: str) -> str:
    """32 upper-case hex digits of the MD5 of `text` in UTF-8, as every 快递100 signature."""
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()  # noqa: S324 - their protocol


def label_sign(*, param: str, t: str, key: str, secret: str) -> str:
    """电子面单 (label/order): MD5(param + t + key + secret), upper-case."""
    return md5_upper(param + t + key + secret)


def query_sign(*, param: str, key: str, customer: str) -> str:
    """实时快递查询 (poll/query.do): MD5(param + key + customer), upper-case."""
    return md5_upper(param + key + customer)


def callback_sign(*, param: str, salt: str) -> str:
    """推送 (the subscription's callback): MD5(param + salt), upper-case."""
    return md5_upper(param + salt)


def _json(value: Mapping[str, Any]) -> str:
    # The signature covers exactly the text sent, so any spacing would do; compact it.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _is_mobile(phone: str) -> bool:
    return re.fullmatch(r"1\d{10}", phone.replace(" ", "").replace("-", "")) is not None


class Kuaidi100Carrier:
    """One Carrier row booked and tracked through 快递100."""

    name = "kuaidi100"

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        self.config = config()

    # --- plumbing ------------------------------------------------------------------

    def _require(self, *names: str) -> None:
        missing = [name for name in names if not str(self.config.get(name) or "")]
        if missing:
            raise CarrierNotConfigured(
                _("%(carrier)s goes through 快递100, which is not configured: set %(settings)s.")
                % {"carrier": self.carrier.name, "settings": ", ".join(f"KUAIDI100_{name}" for name in missing)},
                details={"carrier": self.carrier.code, "missing": missing},
            )

    @property
    def company(self) -> str:
        """快递100's code for this carrier (kuaidicom / com / company)."""
        codes = {**COMPANY_CODES, **{str(k).upper(): str(v) for k, v in self.config["COMPANY_CODES"].items()}}
        return codes.get(self.carrier.code.upper(), self.carrier.code.lower())

    def _callback_url(self) -> str:
        base = str(self.config["CALLBACK_BASE_URL"]).rstrip("/")
        return f"{base}/api/v1/carriers/{self.carrier.code}/tracking" if base else ""

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        """POST the form and read the JSON object answered. A network error, a timeout,
        an HTTP error status or an answer that is not a JSON object: CarrierUnavailable
        (what the aggregator did is unknown, so the caller may ask again)."""
        try:
            answer = requests.post(url, data=form, timeout=float(self.config["TIMEOUT_SECONDS"]))
        except requests.RequestException as error:
            logger.warning("快递100 %s did not answer: %r", url, error)
            raise self._unavailable() from error
        if answer.status_code >= 400:
            logger.warning("快递100 %s answered HTTP %s", url, answer.status_code)
            raise self._unavailable()
        try:
            data = limits.loads(answer.content)
        except ValueError:
            logger.warning("快递100 %s answered something that is not JSON: %r", url, answer.content[:200])
            raise self._unavailable() from None
        if not isinstance(data, dict):
            raise self._unavailable()
        return data

    def _unavailable(self) -> CarrierUnavailable:
        return CarrierUnavailable(
            _("%(carrier)s (快递100) did not answer; try again shortly.") % {"carrier": self.carrier.name},
            details={"carrier": self.carrier.code},
        )

    def _label_call(self, method: str, param: Mapping[str, Any]) -> dict[str, Any]:
        self._require("KEY", "SECRET")
        key, secret = str(self.config["KEY"]), str(self.config["SECRET"])
        text = _json(param)
        t = str(int(time.time() * 1000))
        form = {
            "method": method,
            "key": key,
            "t": t,
            "param": text,
            "sign": label_sign(param=text, t=t, key=key, secret=secret),
        }
        return self._post(str(self.config["LABEL_URL"]), form)

    def _refusal(self, answer: Mapping[str, Any], *, server_errors: frozenset[str]) -> DomainError:
        """The error an answer that is not a success stands for."""
        code = str(answer.get("code", answer.get("returnCode", "")))
        words = str(answer.get("message") or "")[:200]
        if code in server_errors:
            return self._unavailable()
        if any(word in words for word in OUT_OF_AREA_WORDS):
            return OutOfArea(
                _("%(carrier)s does not deliver there (超区): %(reason)s")
                % {"carrier": self.carrier.name, "reason": words},
                details={"carrier": self.carrier.code, "kuaidi100_code": code},
            )
        return CarrierRefused(
            _("%(carrier)s (快递100) refused: %(reason)s (code %(code)s)")
            % {"carrier": self.carrier.name, "reason": words or "-", "code": code or "-"},
            details={"carrier": self.carrier.code, "kuaidi100_code": code},
        )

    # --- booking (电子面单下单接口 V2) ---------------------------------------------------

    def _account(self) -> dict[str, str]:
        accounts: Mapping[str, Mapping[str, Any]] = self.config["ACCOUNTS"]
        account = accounts.get(self.carrier.code) or accounts.get(self.carrier.code.upper()) or {}
        return {name: str(account[name]) for name in ACCOUNT_FIELDS if account.get(name) not in (None, "")}

    @staticmethod
    def _man(party: Party) -> dict[str, str]:
        # recMan / sendMan: name, mobile or tel (one of them is required), printAddr.
        man = {"name": party.name, "printAddr": party.address}
        man["mobile" if _is_mobile(party.phone) else "tel"] = party.phone
        return man

    def booking_param(self, request: ShipmentRequest) -> dict[str, Any]:
        """The 电子面单下单接口's param for the request (only the fields sellerdesk fills)."""
        account = self._account()
        param: dict[str, Any] = {
            "printType": "NON",  # take the number only: sellerdesk prints its own 面单 from LabelData
            **{name: value for name, value in account.items() if name not in ("expType", "payType")},
            "kuaidicom": self.company,
            "recMan": self._man(request.receiver),
            "sendMan": self._man(request.sender),
            "count": 1,
            "payType": account.get("payType") or str(self.config["PAY_TYPE"]),
            # The key, not the order number: an order may ship in several parcels, and a
            # retry of this booking must name the same order at the express company.
            "orderId": request.idempotency_key or request.reference,
            "remark": request.reference,
        }
        if account.get("expType"):
            param["expType"] = account["expType"]
        cargo = str(request.options.get("cargo") or self.config["CARGO"] or "")
        if cargo:
            param["cargo"] = cargo
        if request.weight_grams:
            param["weight"] = round(request.weight_grams / 1000, 3)
        if request.cod_amount > 0:
            param["collection"] = str(request.cod_amount)
        callback, salt = self._callback_url(), str(self.config["SALT"])
        if callback and salt:
            # Subscribed in the same call (开启订阅功能): its scans are pushed to our webhook.
            param.update({"needSubscribe": True, "pollCallBackUrl": callback, "salt": salt, "resultv2": "4"})
        return param

    def create_shipment(self, request: ShipmentRequest) -> CreatedShipment:
        """Book the waybill through 电子面单下单 (printType NON: the number only). The
        answer's kuaidinum is the tracking number, its bulkpen (大头笔) the label's routing
        code. OutOfArea when the carrier's refusal says 超区; CarrierRefused for another
        refusal; CarrierUnavailable when 快递100 could not be reached or failed itself.

        A request without an idempotency key books nothing: logistics sends such requests
        only to start tracking a parcel that travels already under a number of its own (an
        order shipped elsewhere, a return the buyer sent: logistics.shipped_elsewhere and
        logistics.return_parcels), while every booking carries a key. Booking a waybill
        then would pay for a second parcel; the answer is only the data polling needs."""
        if not request.idempotency_key:
            return self._tracking_only(request)
        answer = self._label_call("order", self.booking_param(request))
        data = answer.get("data")
        if not (answer.get("success") is True or str(answer.get("code")) == "200") or not isinstance(data, dict):
            raise self._refusal(answer, server_errors=LABEL_SERVER_ERRORS)
        tracking_number = str(data.get("kuaidinum") or "").strip()
        if not tracking_number or len(tracking_number) > 50:
            logger.warning("快递100 booked without a usable kuaidinum: %r", data)
            raise self._unavailable()
        label = LabelData(
            tracking_number=tracking_number,
            carrier_code=self.carrier.code,
            carrier_name=self.carrier.name,
            sender=request.sender,
            receiver=request.receiver,
            routing_code=str(data.get("bulkpen") or "")[:50],
            cod_amount=request.cod_amount,
            weight_grams=request.weight_grams,
            reference=request.reference,
        )
        carrier_data = {
            "kuaidicom": self.company,
            "task_id": str(data.get("taskId") or ""),
            "order_id": request.idempotency_key or request.reference,
            # Needed to cancel when the express company gave its own order number.
            "kd_com_order_num": str(data.get("kdComOrderNum") or ""),
            # The 实时快递查询 needs a phone for SF and ZTO, and from / to help it.
            "phone": request.receiver.phone,
            "from": f"{request.sender.province}{request.sender.city}{request.sender.district}",
            "to": f"{request.receiver.province}{request.receiver.city}{request.receiver.district}",
        }
        return CreatedShipment(tracking_number=tracking_number, label=label, carrier_data=carrier_data)

    def _tracking_only(self, request: ShipmentRequest) -> CreatedShipment:
        self._require("KEY", "CUSTOMER")
        label = LabelData(
            tracking_number="",  # the parcel's own number; logistics keeps it (shipped_elsewhere)
            carrier_code=self.carrier.code,
            carrier_name=self.carrier.name,
            sender=request.sender,
            receiver=request.receiver,
            routing_code="",
            cod_amount=request.cod_amount,
            weight_grams=request.weight_grams,
            reference=request.reference,
        )
        carrier_data = {
            "kuaidicom": self.company,
            "tracking_only": True,
            "phone": request.receiver.phone,
            "from": f"{request.sender.province}{request.sender.city}{request.sender.district}",
            "to": f"{request.receiver.province}{request.receiver.city}{request.receiver.district}",
        }
        return CreatedShipment(tracking_number="", label=label, carrier_data=carrier_data)

    # --- cancelling (电子面单取消接口) ------------------------------------------------------

    def cancel_shipment(self, parcel: ParcelRef) -> None:
        """Void the waybill (method cancel on label/order) with the account it was booked on."""
        data = parcel.carrier_data
        param: dict[str, Any] = {
            **{name: value for name, value in self._account().items() if name not in ("expType", "payType")},
            "kuaidicom": str(data.get("kuaidicom") or self.company),
            "kuaidinum": parcel.tracking_number,
        }
        if data.get("kd_com_order_num"):
            param["orderId"] = str(data["kd_com_order_num"])
        answer = self._label_call("cancel", param)
        if answer.get("success") is True or str(answer.get("code")) == "200":
            return
        raise self._refusal(answer, server_errors=LABEL_SERVER_ERRORS)

    # --- polling (实时快递查询接口) ----------------------------------------------------------

    def query_param(self, parcel: ParcelRef) -> dict[str, str]:
        data = parcel.carrier_data
        return {
            "com": str(data.get("kuaidicom") or self.company),
            "num": parcel.tracking_number,
            "phone": str(data.get("phone") or ""),
            "from": str(data.get("from") or ""),
            "to": str(data.get("to") or ""),
            "resultv2": "4",  # each scan with its 高级物流状态 code (statusCode)
            "show": "0",
            "order": "asc",
        }

    def fetch_events(self, parcel: ParcelRef, *, now: datetime) -> list[CarrierTrackingEvent]:
        """Every scan 快递100 knows for the parcel up to `now`, oldest first. 快递100's
        "no result yet" (returnCode 500, 查询无结果) is no events; another refusal
        CarrierRefused; no answer CarrierUnavailable."""
        self._require("KEY", "CUSTOMER")
        key, customer = str(self.config["KEY"]), str(self.config["CUSTOMER"])
        text = _json(self.query_param(parcel))
        answer = self._post(
            str(self.config["QUERY_URL"]),
            {"customer": customer, "param": text, "sign": query_sign(param=text, key=key, customer=customer)},
        )
        if "data" not in answer:
            if str(answer.get("returnCode", "")) == "500":
                return []  # 查询无结果，请隔段时间再查: nothing scanned yet
            raise self._refusal(answer, server_errors=QUERY_SERVER_ERRORS)
        try:
            events = self._events(parcel.tracking_number, answer)
        except ValueError:
            raise self._unavailable() from None
        return [event for event in events if event.at <= now]

    # --- push (订阅接口 and its callback) ------------------------------------------------------

    def subscribe_param(
        self, *, tracking_number: str, phone: str = "", origin: str = "", destination: str = ""
    ) -> dict[str, Any]:
        parameters: dict[str, str] = {
            "callbackurl": self._callback_url(),
            "salt": str(self.config["SALT"]),
            "resultv2": "4",
        }
        if phone:
            parameters["phone"] = phone
        return {
            "company": self.company,
            "number": tracking_number,
            "from": origin,
            "to": destination,
            "key": str(self.config["KEY"]),
            "parameters": parameters,
        }

    def subscribe(self, *, tracking_number: str, phone: str = "", origin: str = "", destination: str = "") -> None:
        """Ask 快递100 to push this parcel's scans to our webhook (订阅接口). A parcel
        subscribed already (returnCode 501, 重复订阅) is fine. Not needed for parcels this
        adapter booked while CALLBACK_BASE_URL and SALT are set: those are subscribed when
        booked."""
        self._require("KEY", "SALT", "CALLBACK_BASE_URL")
        param = self.subscribe_param(
            tracking_number=tracking_number, phone=phone, origin=origin, destination=destination
        )
        answer = self._post(str(self.config["SUBSCRIBE_URL"]), {"schema": "json", "param": _json(param)})
        code = str(answer.get("returnCode", ""))
        if answer.get("result") is True or code in ("200", "501"):
            return
        raise self._refusal(answer, server_errors=SUBSCRIBE_SERVER_ERRORS)

    @staticmethod
    def _form(body: bytes) -> dict[str, str] | None:
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        if any(len(values) != 1 for values in fields.values()):
            return None
        return {name: values[0] for name, values in fields.items()}

    def verify_signature(self, body: bytes, headers: dict[str, str]) -> bool:
        """Whether the callback's form body carries sign = MD5(param + salt), upper-case.
        Without a salt configured nothing can be verified, so nothing is accepted."""
        salt = str(self.config["SALT"])
        form = self._form(body)
        if not salt or form is None or "param" not in form:
            return False
        expected = callback_sign(param=form["param"], salt=salt)
        return hmac.compare_digest(form.get("sign", "").upper().encode(), expected.encode())

    def parse_webhook(self, body: bytes) -> list[CarrierTrackingEvent]:
        """The scans in a verified callback: param.lastResult (the parcel's whole history).
        A callback without scans (status abort: 3天查询无记录, 60天无变化) has none."""
        form = self._form(body)
        try:
            if form is None:
                raise ValueError
            raw = limits.loads(form["param"])
            if not isinstance(raw, dict):
                raise ValueError
            result = raw.get("lastResult") or {}
            if not isinstance(result, dict):
                raise ValueError
            if not result.get("data"):
                return []
            number = str(result.get("nu") or "")
            if not 0 < len(number) <= 50 or "\x00" in number:
                raise ValueError
            events = self._events(number, result)
        except (KeyError, ValueError, TypeError):
            raise ValidationFailed(
                {"body": _("expected 快递100's callback: a form with param (JSON with lastResult) and sign")}
            ) from None
        # A scan cannot come from beyond tomorrow (nor from year 568): core.dates.
        now = timezone.now()
        for event in events:
            try:
                dates.check_not_future(event.at, now=now)
            except dates.NotADate as error:
                raise ValidationFailed({"lastResult.data": f"{event.at:%Y-%m-%d %H:%M:%S}: {error}"}) from None
        return events

    # --- scans --------------------------------------------------------------------------

    def _events(self, tracking_number: str, result: Mapping[str, Any]) -> list[CarrierTrackingEvent]:
        """The scans of a 快递100 result (a query's answer or a callback's lastResult) as
        our events, oldest first; ValueError when they are not what the documentation shows."""
        scans = result.get("data")
        if not isinstance(scans, list) or len(scans) > MAX_EVENTS:
            raise ValueError("data")
        events: list[CarrierTrackingEvent] = []
        for scan in scans:
            if not isinstance(scan, dict):
                raise ValueError("scan")
            context = str(scan.get("context") or "")
            at = _china_time(str(scan.get("ftime") or scan.get("time") or ""))
            kind = scan_kind(
                code=str(scan.get("statusCode") or ""), name=str(scan.get("status") or ""), context=context
            )
            if kind is None:
                continue
            digest = hashlib.sha1(f"{at.isoformat()}|{context}".encode()).hexdigest()[:16]  # noqa: S324 - an id
            events.append(
                CarrierTrackingEvent(
                    # The same scan has the same id whether polled or pushed, so it is kept once.
                    event_id=f"kd100-{tracking_number}-{digest}",
                    tracking_number=tracking_number,
                    kind=kind,
                    at=at,
                    location=str(scan.get("areaName") or "")[:100],
                    description=context[:300],
                )
            )
        events.sort(key=lambda event: (event.at, event.event_id))
        return events


def scan_kind(*, code: str, name: str, context: str) -> str | None:
    """The TrackingKind of one 快递100 scan from its 高级物流状态 code, else its state
    name, and for transit and 疑难 scans its text; None when it is not mapped."""
    if code not in STATE_KINDS:
        code = STATE_NAMES.get(name, "")
    if code not in STATE_KINDS:
        return None
    kind = STATE_KINDS[code]
    if kind == "":
        return "arrived" if any(word in context for word in ARRIVAL_WORDS) else "departed"
    if kind == "trouble":
        return next((found for word, found in TROUBLE_WORDS if word in context), None)
    return kind


def _china_time(text: str) -> datetime:
    """ "2024-04-27 02:52:19" (China time, as 快递100 writes it) as an aware datetime."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
