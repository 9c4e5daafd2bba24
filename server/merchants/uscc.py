"""The unified social credit code (统一社会信用代码, GB 32100-2015)."""

import random

__all__ = ["USCC_ALPHABET", "UsccError", "check_character", "make_uscc", "validate_uscc"]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_REGISTRARS = set("123456789ANY")


class UsccError(ValueError):
    """A credit code that cannot be right, with the reason in words a clerk can act on."""


def check_character(first17: str) -> str:
    """The 18th character for the first seventeen."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Return the normalised code (trimmed, upper case) or raise UsccError saying why."""
    code = (raw or "").strip().upper()
    if not code:
        raise UsccError("统一社会信用代码为空")
    if len(code) != 18:
        raise UsccError(f"统一社会信用代码应为18位，实际{len(code)}位")
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise UsccError(f"统一社会信用代码含非法字符 {''.join(bad)}（代码不使用 I、O、S、V、Z）")
    if code[0] not in _REGISTRARS:
        raise UsccError(f"统一社会信用代码第1位登记管理部门代码 {code[0]} 无效")
    if not code[2:8].isdigit():
        raise UsccError("统一社会信用代码第3–8位应为行政区划代码（数字）")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise UsccError(f"统一社会信用代码校验位错误：应为 {expected}，实为 {code[17]}")
    return code


def make_uscc(
    rng: random.Random, *, area: str = "330102", registrar: str = "9", category: str | None = None
) -> str:
    """A valid code for test and demo data, drawn from `rng`."""
    category = category or rng.choice("12")
    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    first17 = f"{registrar}{category}{area}{body}"
    return first17 + check_character(first17)
