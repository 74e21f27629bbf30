"""A local stand-in for 快递100's API, for the kuaidi100 adapter's tests.

It listens on 127.0.0.1 (a free port, in a thread of the test process, started and stopped
by the test module that uses it) and answers the three endpoints the adapter calls, at
the same paths as the real hosts: /label/order (电子面单 order and cancel), /poll/query.do
(实时快递查询) and /poll (订阅). Every request is checked the way 快递100 documents it —
the form fields, the JSON param's fields and the signature, computed here on its own
(not with the adapter's functions) — and each problem found is kept in `problems`; a
request with a problem gets the documented error answer instead of the example.

The answers are the documentation's examples. Where the stored copy of a page gave the
answer's fields but not a whole example, the answer is built from those fields with our
values; each constant below names the page it comes from.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

KEY = "stub-key-0001"
SECRET = "stub-secret-0001"
CUSTOMER = "STUBCUSTOMER0000000000000000001"
SALT = "stub-salt-0123456789abcdef012345"

# 电子面单下单接口 (api.kuaidi100.com/document/dianzimiandanV2), 返回结果: success, code,
# message, time and data with taskId, kuaidinum, childNum, returnNum, label, bulkpen and the
# sorting fields (the official SDK's labelV2 OrderResult names the same fields). The
# stored page lists the fields; the values are ours.
ORDER_ANSWER: dict[str, Any] = {
    "success": True,
    "code": 200,
    "message": "success",
    "time": 305,
    "data": {
        "taskId": "027B87B17F1B4F88B2AD8F4C1A5E2E46",
        "kuaidinum": "73100000000001",
        "childNum": "",
        "returnNum": "",
        "label": "",
        "bulkpen": "330-浙江杭州-西湖",
        "orgCode": "571",
        "orgName": "杭州余杭",
        "destCode": "310",
        "destName": "上海",
        "orgSortingCode": "",
        "orgSortingName": "",
        "destSortingCode": "",
        "destSortingName": "",
        "orgExtra": "",
        "destExtra": "",
        "pkgCode": "",
        "pkgName": "",
        "road": "",
        "qrCode": "",
        "kdComOrderNum": "",
        "expressCode": "",
        "expressName": "",
    },
}
# 电子面单复打 / 取消 (api.kuaidi100.com/document/dianzimiandanquxiao): the documented
# success answer {"code": 200, "message": "success", "time": 0, "success": true}.
CANCEL_ANSWER: dict[str, Any] = {"code": 200, "message": "success", "time": 0, "success": True}
# The same pages' 返回信息代码 table: 30001 参数错误, 30002 验证签名失败.
LABEL_BAD_PARAM: dict[str, Any] = {"success": False, "code": 30001, "message": "参数错误", "time": 2, "data": None}
LABEL_BAD_SIGN: dict[str, Any] = {"success": False, "code": 30002, "message": "验证签名失败", "time": 2, "data": None}

# 实时快递单号查询技术文档 (api.kuaidi100.com/document/5f0ffb5ebc8da837cbd8aefc), 返回示例
# with resultv2=4: message, nu, ischeck, com, status, state, condition and data, each scan
# with time, context, ftime, areaCode, areaName, status (the state's name) and statusCode
# (the 高级物流状态). Asked with order=asc: oldest first. The scans' words are ours.
QUERY_SCANS: list[dict[str, str]] = [
    {
        "time": "2026-11-20 09:12:40",
        "context": "【杭州市】浙江杭州余杭公司 已揽收",
        "ftime": "2026-11-20 09:12:40",
        "areaCode": "CN330110000000",
        "areaName": "浙江,杭州市,余杭区",
        "status": "揽收",
        "statusCode": "1",
    },
    {
        "time": "2026-11-20 21:40:05",
        "context": "【杭州市】快件离开【杭州中转部】已发往【上海】",
        "ftime": "2026-11-20 21:40:05",
        "areaCode": "CN330100000000",
        "areaName": "浙江,杭州市",
        "status": "在途",
        "statusCode": "1002",
    },
    {
        "time": "2026-11-21 05:02:11",
        "context": "【上海市】快件已到达【上海浦东分拨中心】",
        "ftime": "2026-11-21 05:02:11",
        "areaCode": "CN310115000000",
        "areaName": "上海,上海市,浦东新区",
        "status": "在途",
        "statusCode": "1001",
    },
    {
        "time": "2026-11-21 08:30:00",
        "context": "【上海市】【浦东张江营业部】的派件员正在为您派件",
        "ftime": "2026-11-21 08:30:00",
        "areaCode": "CN310115000000",
        "areaName": "上海,上海市,浦东新区",
        "status": "派件",
        "statusCode": "5",
    },
    {
        "time": "2026-11-21 12:15:42",
        "context": "【上海市】快件已签收，签收人：本人",
        "ftime": "2026-11-21 12:15:42",
        "areaCode": "CN310115000000",
        "areaName": "上海,上海市,浦东新区",
        "status": "签收",
        "statusCode": "301",
    },
]


def query_answer(*, com: str, number: str, scans: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "message": "ok",
        "nu": number,
        "ischeck": "1",
        "com": com,
        "status": "200",
        "data": QUERY_SCANS if scans is None else scans,
        "state": "301",
        "condition": "F00",
    }


# The same page's errors: {"result": false, "returnCode": "…", "message": "…"}; 500 查询无结果，
# 请隔段时间再查 (nothing scanned yet), 503 验证签名失败, 400 找不到对应公司.
QUERY_NO_RESULT: dict[str, Any] = {"result": False, "returnCode": "500", "message": "查询无结果，请隔段时间再查"}
QUERY_BAD_SIGN: dict[str, Any] = {"result": False, "returnCode": "503", "message": "验证签名失败"}
QUERY_BAD_PARAM: dict[str, Any] = {"result": False, "returnCode": "400", "message": "找不到对应公司"}

# 订阅接口 (快递订阅查询快递api接口技术文档): {"result": true, "returnCode": "200", "message":
# "提交成功"}; 501 重复订阅, 700 订阅方的订阅数据存在错误 (e.g. no callbackurl).
SUBSCRIBE_OK: dict[str, Any] = {"result": True, "returnCode": "200", "message": "提交成功"}
SUBSCRIBE_BAD: dict[str, Any] = {"result": False, "returnCode": "700", "message": "订阅方的订阅数据存在错误"}

# 推送接口 (快递信息推送服务), 推送示例: param = {status, billstatus, message, autoCheck, comOld,
# comNew, lastResult: {message, state, status, condition, ischeck, com, nu, data: [...]}}
# — the documented example's lastResult, newest first, for its waybill V030344422.
PUSH_EXAMPLE: dict[str, Any] = {
    "status": "polling",
    "billstatus": "got",
    "message": "",
    "autoCheck": "0",
    "comOld": "",
    "comNew": "",
    "lastResult": {
        "message": "ok",
        "state": "0",
        "status": "200",
        "condition": "F00",
        "ischeck": "0",
        "com": "yuantong",
        "nu": "V030344422",
        "data": [
            {
                "context": "上海分拨中心/装件入车扫描 ",
                "time": "2012-08-28 16:33:19",
                "ftime": "2012-08-28 16:33:19",
                "status": "在途",
                "areaCode": "310000000000",
                "areaName": "上海市",
            },
            {
                "context": "上海分拨中心/下车扫描 ",
                "time": "2012-08-27 23:22:42",
                "ftime": "2012-08-27 23:22:42",
                "status": "在途",
                "areaCode": "310000000000",
                "areaName": "上海市",
            },
        ],
    },
}


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def signed_push(param: dict[str, Any], *, salt: str = SALT) -> bytes:
    """A callback body as 快递100 posts it: param=<JSON>&sign=MD5(param + salt) upper-case."""
    from urllib.parse import urlencode

    text = json.dumps(param, ensure_ascii=False)
    return urlencode({"param": text, "sign": md5_upper(text + salt)}).encode()


@dataclass
class Received:
    path: str
    form: dict[str, str]
    param: dict[str, Any]


@dataclass
class Override:
    """What the stub answers to the next request on a path instead of checking it."""

    status: int = 200
    body: bytes = b""
    delay_seconds: float = 0.0


@dataclass
class Kuaidi100Stub:
    url: str
    received: list[Received] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    overrides: dict[str, list[Override]] = field(default_factory=dict)
    # Scans per tracking number for /poll/query.do; a number not here has none yet.
    tracks: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    next_tracking_number: str = "73100000000001"

    def reset(self) -> None:
        self.received.clear()
        self.problems.clear()
        self.overrides.clear()
        self.tracks.clear()
        self.next_tracking_number = "73100000000001"

    def answer_next(self, path: str, override: Override) -> None:
        self.overrides.setdefault(path, []).append(override)

    def answer_json(self, path: str, body: dict[str, Any]) -> None:
        self.answer_next(path, Override(body=json.dumps(body, ensure_ascii=False).encode()))

    # --- checks, as 快递100 documents them ------------------------------------------------

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    def label(self, form: dict[str, str], param: dict[str, Any]) -> dict[str, Any]:
        for name in ("method", "key", "t", "param", "sign"):
            if not form.get(name):
                self._problem(f"label/order: no {name}")
                return LABEL_BAD_PARAM
        if form["key"] != KEY:
            self._problem("label/order: wrong key")
            return LABEL_BAD_SIGN
        if not (form["t"].isdigit() and len(form["t"]) == 13):
            self._problem(f"label/order: t is not a millisecond time stamp: {form['t']}")
        if form["sign"] != md5_upper(form["param"] + form["t"] + KEY + SECRET):
            self._problem("label/order: sign is not MD5(param + t + key + secret) upper-case")
            return LABEL_BAD_SIGN
        if form["method"] == "order":
            return self._order(param)
        if form["method"] == "cancel":
            for name in ("kuaidicom", "kuaidinum"):
                if not param.get(name):
                    self._problem(f"cancel: no {name}")
                    return LABEL_BAD_PARAM
            return CANCEL_ANSWER
        self._problem(f"label/order: unknown method {form['method']}")
        return LABEL_BAD_PARAM

    def _order(self, param: dict[str, Any]) -> dict[str, Any]:
        required = ("printType", "partnerId", "kuaidicom", "recMan", "sendMan")
        for name in required:
            if not param.get(name):
                self._problem(f"order: no {name}")
                return LABEL_BAD_PARAM
        if param["printType"] not in ("NON", "IMAGE", "HTML", "CLOUD", "ORDERFIRST"):
            self._problem(f"order: printType {param['printType']}")
        if param["kuaidicom"] != param["kuaidicom"].lower():
            self._problem("order: kuaidicom must be lower-case")
        for who in ("recMan", "sendMan"):
            man = param[who]
            if not isinstance(man, dict) or not man.get("name") or not man.get("printAddr"):
                self._problem(f"order: {who} needs name and printAddr")
                return LABEL_BAD_PARAM
            if not (man.get("mobile") or man.get("tel")):
                self._problem(f"order: {who} needs mobile or tel")
                return LABEL_BAD_PARAM
        if param.get("needSubscribe") and not param.get("pollCallBackUrl"):
            self._problem("order: needSubscribe without pollCallBackUrl")
        answer = json.loads(json.dumps(ORDER_ANSWER))
        answer["data"]["kuaidinum"] = self.next_tracking_number
        return dict(answer)

    def query(self, form: dict[str, str], param: dict[str, Any]) -> dict[str, Any]:
        for name in ("customer", "sign", "param"):
            if not form.get(name):
                self._problem(f"query.do: no {name}")
                return QUERY_BAD_PARAM
        if form["customer"] != CUSTOMER:
            self._problem("query.do: wrong customer")
            return QUERY_BAD_SIGN
        if form["sign"] != md5_upper(form["param"] + KEY + CUSTOMER):
            self._problem("query.do: sign is not MD5(param + key + customer) upper-case")
            return QUERY_BAD_SIGN
        com, number = str(param.get("com") or ""), str(param.get("num") or "")
        if not com or com != com.lower() or not 6 <= len(number) <= 32:
            self._problem(f"query.do: com {com!r} / num {number!r}")
            return QUERY_BAD_PARAM
        if com in ("shunfeng", "zhongtong") and not param.get("phone"):
            self._problem(f"query.do: {com} needs a phone")
            return QUERY_BAD_PARAM
        if number not in self.tracks:
            return QUERY_NO_RESULT
        return query_answer(com=com, number=number, scans=self.tracks[number])

    def subscribe(self, form: dict[str, str], param: dict[str, Any]) -> dict[str, Any]:
        if form.get("schema") != "json":
            self._problem("poll: schema is not json")
        if param.get("key") != KEY:
            self._problem("poll: wrong key")
            return SUBSCRIBE_BAD
        parameters = param.get("parameters")
        if not param.get("company") or not param.get("number") or not isinstance(parameters, dict):
            self._problem("poll: company, number and parameters are required")
            return SUBSCRIBE_BAD
        if not parameters.get("callbackurl"):
            self._problem("poll: no parameters.callbackurl")
            return SUBSCRIBE_BAD
        return SUBSCRIBE_OK


@contextmanager
def kuaidi100_stub() -> Iterator[Kuaidi100Stub]:
    """The stub, serving until the block ends (then stopped and its port closed)."""
    holder: list[Kuaidi100Stub] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            stub = holder[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = self.path.split("?")[0]
            override = stub.overrides.get(path, [])
            if override:
                chosen = override.pop(0)
                time.sleep(chosen.delay_seconds)
                self._send(chosen.status, chosen.body)
                return
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                stub.problems.append(f"{path}: not a form (application/x-www-form-urlencoded)")
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            form = {name: values[0] for name, values in fields.items()}
            try:
                param = json.loads(form.get("param") or "{}")
            except ValueError:
                param = {}
                stub.problems.append(f"{path}: param is not JSON")
            stub.received.append(Received(path=path, form=form, param=param))
            if path == "/label/order":
                answer = stub.label(form, param)
            elif path == "/poll/query.do":
                answer = stub.query(form, param)
            elif path == "/poll":
                answer = stub.subscribe(form, param)
            else:
                stub.problems.append(f"unknown path {path}")
                self._send(404, b"not found")
                return
            self._send(200, json.dumps(answer, ensure_ascii=False).encode())

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (a timeout test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Kuaidi100Stub(url=f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
