"""The unified social credit code: a clerk learns exactly what is wrong with a code."""

import random

import pytest

from server.merchants.uscc import UsccError, check_character, make_uscc, validate_uscc

VALID = "91330100716105852F"


def test_the_known_valid_code_passes():
    assert validate_uscc(VALID) == VALID


def test_a_code_typed_in_lower_case_with_spaces_around_is_normalised():
    assert validate_uscc(f"  {VALID.lower()} ") == VALID


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "统一社会信用代码为空"),
        ("   ", "统一社会信用代码为空"),
        (VALID[:17], "统一社会信用代码应为18位，实际17位"),
        (VALID + "0", "统一社会信用代码应为18位，实际19位"),
        ("91330100716105852I", "含非法字符 I"),
        ("9133010071610585OS", "含非法字符 OS"),
        ("01330100716105852F", "第1位登记管理部门代码 0 无效"),
        ("9133A100716105852F", "第3–8位应为行政区划代码"),
        ("91330100716105852E", "统一社会信用代码校验位错误：应为 F，实为 E"),
    ],
)
def test_each_kind_of_bad_code_gives_its_reason(code, reason):
    with pytest.raises(UsccError) as caught:
        validate_uscc(code)
    assert reason in str(caught.value)


def test_one_mistyped_character_is_always_caught():
    rng = random.Random(7)
    for _ in range(300):
        code = make_uscc(rng)
        position = rng.randrange(2, 17)
        wrong = "1" if code[position] != "1" else "2"
        typo = code[:position] + wrong + code[position + 1 :]
        with pytest.raises(UsccError):
            validate_uscc(typo)


def test_generated_codes_are_valid_and_carry_their_check_character():
    rng = random.Random(20261127)
    for _ in range(500):
        code = make_uscc(rng)
        assert validate_uscc(code) == code
        assert code[17] == check_character(code[:17])
        assert code.startswith("9") and code[2:8] == "330102"
