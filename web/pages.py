"""How the workbench's pages are rendered: the Chinese labels of the registry's codes, the
Jinja2 environment (autoescape on; templates in web/templates, one base layout), the route class
that turns refusals into pages, and the small presentation helpers the pages share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from checks.calendar import CHINA, zh_date
from checks.errors import AssuredError
from checks.programmes import PROGRAMMES, STAGE_ZH
from checks.scores import BONUS, SCORED
from checks.vetoes import VETOES
from registry.accounts import SignedIn
from web.auth import STATUS

TEMPLATES = Path(__file__).parent / "templates"

ROLE_ZH = {"reviewer": "审核员", "supervisor": "主管", "admin": "管理员"}
STATUS_ZH = {
    "submitted": "已提交",
    "pending_data": "待补充数据",
    "in_review": "审核中",
    "returned": "已退回补正",
    "approved": "审核通过",
    "announced": "公示中",
    "issuable": "待发证",
    "rejected": "不予通过",
    "issued": "已发证",
    "withdrawn": "已撤回",
}
VERDICT_ZH = {"eligible": "符合条件", "ineligible": "不符合条件", "pending": "待补充数据"}
OUTCOME_ZH = {"pass": "通过", "fail": "未通过", "veto": "否决", "missing": "缺少数据"}
KIND_ZH = {"veto": "否决项", "scored": "评分项", "bonus": "加分项"}
DECISION_ZH = {"approve": "通过", "reject": "不予通过", "return": "退回补正"}
OBJECTION_ZH = {"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
EVIDENCE_ZH = {
    "application": "申请书",
    "complaint": "投诉",
    "complaints": "投诉记录",
    "credit_class": "信用风险分类",
    "listing": "名单记录",
    "penalty": "行政处罚",
    "registration": "登记信息",
    "risk_scan": "风险扫描",
}
ACTION_ZH = {f"application.{status}": label for status, label in STATUS_ZH.items()} | {
    "application.submitted": "提交申请",
    "application.in_review": "进入审核",
    "assessment.stored": "完成自动评估",
    "application.claimed": "认领",
    "application.released": "释放认领",
    "application.reassigned": "改派",
    "objection.filed": "提出异议",
    "objection.upheld": "异议成立",
    "objection.dismissed": "异议不成立",
    "inspection.recorded": "录入评价验收",
}
RESULT_ZH = {"pass": "符合", "fail": "不符合", "not_applicable": "不适用"}
COMMITMENT_ZH = {
    "displayed": "公开展示放心消费承诺",
    "advance_compensation": "先行赔付",
    "first_inquiry_responsibility": "首问负责",
    "service_station": "设立投诉服务站",
    "returns_any_branch": "任一门店可退货",
    "refund_within_48h": "48 小时内退款",
}
SORT_ZH = {"due": "截止日期", "waiting": "等待时间", "score": "得分", "id": "编号"}
CHECK_KIND = {c.id: c.kind for c in (*VETOES, *SCORED, *BONUS)}
NOTICES = {
    "password": "密码已更改。",
    "signed_out": "您已安全退出。",
    "claimed": "已认领。",
    "released": "已释放认领。",
    "inspected": "评价验收已录入。",
}

ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True)


def size(n: int) -> str:
    """A file size as a person reads it."""
    return f"{n} 字节" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


ENV.globals.update(
    size=size,
    stage_zh=STAGE_ZH,
    role_zh=ROLE_ZH,
    status_zh=STATUS_ZH,
    verdict_zh=VERDICT_ZH,
    decision_zh=DECISION_ZH,
    objection_zh=OBJECTION_ZH,
    sort_zh=SORT_ZH,
    action_zh=ACTION_ZH,
    result_zh=RESULT_ZH,
    programmes={p.value: info.title_zh for p, info in PROGRAMMES.items()},
)


def _in_china(value: dt.date | str) -> dt.date:
    """A date as it is; a stored moment (UTC: aware, or naive as SQLite gives it back; or its ISO
    text) as a datetime in China's time."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value) if len(value) <= 10 else dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(CHINA)
    return value


def day(value: dt.date | str | None) -> str:
    """A date, or the day of a moment in China, as Chinese text for a business writes it: 2026年6月30日."""
    if not value:
        return ""
    moment = _in_china(value)
    return zh_date(moment.date() if isinstance(moment, dt.datetime) else moment)


def stamp(value: dt.date | str | None) -> str:
    """A moment as Chinese text to the minute in China's time: 2026年6月30日 09:05 (a date stays a date)."""
    if not value:
        return ""
    moment = _in_china(value)
    return f"{day(moment)} {moment:%H:%M}" if isinstance(moment, dt.datetime) else zh_date(moment)


ENV.filters["day"] = day
ENV.filters["stamp"] = stamp


class Redirect(Exception):
    """Leave the page for another (303 See Other)."""

    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


class PageRoute(APIRoute):
    """A route whose refusals are pages: a redirect, or an error page with the refusal's status
    code (the API's HTTPExceptions and the registry's errors alike). Pages are never cached."""

    error_template = "error.html"

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handle = super().get_route_handler()
        template = self.error_template

        async def page(request: Request) -> Response:
            try:
                response = await handle(request)
            except Redirect as r:
                response = RedirectResponse(r.to, status_code=303)
            except HTTPException as exc:
                response = error_page(request, exc.status_code, str(exc.detail), template)
            except AssuredError as exc:
                response = error_page(request, STATUS[exc.kind], str(exc), template)
            except RequestValidationError:
                response = error_page(request, 400, "请求中的参数不正确 (invalid request parameters)", template)
            response.headers["cache-control"] = "no-store"
            return response

        return page


# -- rendering ---------------------------------------------------------------------------------


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    who: SignedIn | None = getattr(request.state, "who", None)
    html = ENV.get_template(template).render(
        who=who,
        csrf=who.csrf if who else "",
        supervisor=who is not None and who.account.role in ("supervisor", "admin"),
        here=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status)


TITLES = {
    400: "请求有误",
    403: "无权操作",
    404: "未找到",
    409: "操作冲突",
    413: "文件过大",
    415: "文件类型不支持",
    422: "填写有误",
    423: "账号已锁定",
    429: "操作过于频繁",
    503: "暂时无法处理",
}


def error_page(request: Request, status: int, message: str, template: str = "error.html") -> HTMLResponse:
    if status == 404:  # one answer whether it does not exist or is outside the account's scope
        message = "没有找到这个页面或申请，或它不在您的审核范围内。"
    return render(request, template, status, title=TITLES.get(status, "出错了"), message=message, code=status)


def safe_back(target: str | None, default: str) -> str:
    """A place in the workbench to return to (never another site: `//host` and `\\` are refused)."""
    if target and target.startswith("/review") and "//" not in target and "\\" not in target:
        return target
    return default


TRANSIENT = ("notice", "decided", "result", "stage")  # a page's one-time messages, not its state


def address(path: str, query: str, notice: str | None = None) -> str:
    """`path?query` without the one-time messages, with `notice` when given."""
    kept = [(k, v) for k, v in parse_qsl(query) if k not in TRANSIENT] + ([("notice", notice)] if notice else [])
    return f"{path}?{urlencode(kept)}" if kept else path


def with_notice(target: str, notice: str) -> str:
    path, _, query = target.partition("?")
    return address(path, query, notice)


def commitments(made: dict) -> list[tuple[str, bool]]:
    out = []
    if made.get("return_days"):
        out.append((f"{made['return_days']} 天无理由退货", True))
    if made.get("return_scope"):
        out.append((f"退货范围：{made['return_scope']}", True))
    return out + [(label, bool(made.get(key))) for key, label in COMMITMENT_ZH.items()]


def outcome(o: dict) -> dict:
    kind = CHECK_KIND.get(o["id"], "scored")
    label = "未加分" if kind == "bonus" and o["status"] == "fail" else OUTCOME_ZH.get(o["status"], o["status"])
    return o | {
        "kind": kind,
        "label": label,
        "evidence_zh": [(EVIDENCE_ZH.get(ref.split(":", 1)[0], "记录"), ref) for ref in o.get("evidence", [])],
    }


def bars(rows: list[tuple[str, float]]) -> list[dict]:
    """Rows of a horizontal bar chart: the bar's length as a share (0-100) of the longest."""
    top = max((v for _, v in rows), default=0) or 1
    return [{"label": label, "value": value, "width": round(100 * value / top, 2)} for label, value in rows]


def segments(d: dict, top: int) -> list[dict]:
    """A stacked bar of one reviewer's decisions: approve, reject, return, each from where the last ends."""
    out, x = [], 0.0
    for key in ("approve", "reject", "return"):
        width = round(100 * d[key] / top, 2)
        if width:
            out.append({"key": key, "x": x, "width": width, "n": d[key]})
        x += width
    return out
