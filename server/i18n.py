"""User-facing text, zh-CN first; one catalogue so another language can follow."""

from typing import Any

__all__ = ["DEFAULT_LOCALE", "MESSAGES", "t"]

DEFAULT_LOCALE = "zh-CN"

MESSAGES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "app.name": "一次查 OneVisit",
        "app.tagline": "综合查一次 · 进一次门、查多项事、一次到位",
        "auth.bad_credentials": "用户名或密码错误",
        "auth.throttled": "登录失败次数过多，请 {minutes} 分钟后再试",
        "auth.required": "请先登录",
        "auth.forbidden": "当前账号无权执行此操作",
        "auth.csrf": "安全校验失败：请求缺少有效的 X-CSRF-Token，请刷新页面后重试",
        "auth.logged_out": "已退出登录",
        "auth.session_expired": "登录已过期，请重新登录",
        "error.validation": "请求数据有误：{fields}",
        "error.bad_json": "请求内容不是有效的 JSON",
        "error.conflict": "与已有记录冲突：{detail}",
        "error.not_found": "找不到该记录",
        "error.internal": "服务器内部错误，请稍后重试；问题已记录",
        "error.unknown_colour": "未知颜色“{value}”，可选 red、yellow、green",
        "error.unknown_street": "未知街道“{value}”",
        "error.page": "页码和每页条数须为正整数，每页最多 {max} 条",
        "health.ok": "正常",
        "colour.green": "绿码",
        "colour.yellow": "黄码",
        "colour.red": "红码",
        "role.admin": "管理员",
        "role.supervisor": "指挥调度",
        "role.inspector": "执法人员",
        "console.title": "指挥调度台",
        "console.login": "登录",
        "console.logout": "退出",
        "console.username": "用户名",
        "console.password": "密码",
        "console.welcome": "欢迎，{name}",
        "console.merchants": "商户",
        "console.street": "街道",
        "console.total": "合计",
        "console.colour_by_street": "各街道三色码分布",
    },
}


def t(key: str, locale: str = DEFAULT_LOCALE, **values: Any) -> str:
    """The message `key` in `locale`, formatted with `values`; falls back to zh-CN, then the key."""
    catalogue = MESSAGES.get(locale) or MESSAGES[DEFAULT_LOCALE]
    text = catalogue.get(key) or MESSAGES[DEFAULT_LOCALE].get(key) or key
    return text.format(**values) if values else text
