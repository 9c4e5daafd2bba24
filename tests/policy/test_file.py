"""POLICY_FILE: YAML or TOML, defaults for what it leaves out, and impossible values refused at
start-up with the offending key named."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from server.app import create_app
from server.colour.cli import codes
from server.core.settings import Settings
from server.policy.file import PolicyFileError, load_policy
from server.policy.rules import DEFAULT_POLICY

EXAMPLE = Path(__file__).resolve().parents[2] / "server" / "policy" / "policy.example.yaml"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_is_the_default_policy():
    assert load_policy(EXAMPLE) == DEFAULT_POLICY


def test_no_file_means_the_defaults():
    assert load_policy(None) is DEFAULT_POLICY


def test_a_yaml_file_changes_only_what_it_names(tmp_path: Path):
    policy = load_policy(
        write(tmp_path, "p.yaml", "interval_months: {green: 36, yellow: 6, red: 2}\n")
    )
    assert dict(policy.interval_months) == {"green": 36, "yellow": 6, "red": 2}
    assert policy.red_min == DEFAULT_POLICY.red_min


def test_a_toml_file_works_the_same(tmp_path: Path):
    text = "[thresholds]\nyellow_min = 10\nred_min = 20\n[improvement]\ngreen_after_months = 6\n"
    policy = load_policy(write(tmp_path, "p.toml", text))
    assert (policy.yellow_min, policy.red_min, policy.green_after_months) == (10, 20, 6)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("interval_months: {green: 24, yellow: 6, red: -3}\n", "interval_months.red"),
        ("thresholds: {yellow_min: 28, red_min: 20}\n", "thresholds.red_min"),
        ("thresholds: {yellow_min: 14, red_min: 14}\n", "thresholds.red_min"),
        ("sampling_share: {green: 0.03, yellow: 0.2, red: 1.5}\n", "sampling_share.red"),
        ("interval_months: {green: 24, yellow: 6}\n", "interval_months.red"),
        ("interval_months: {green: 3, yellow: 6, red: 3}\n", "interval_months.yellow"),
        ("recheck_days: {min: 21, max: 7}\n", "recheck_days.max"),
        ("scoring: {key_item_points: -7}\n", "scoring.key_item_points"),
        ("improvement: {red_to_yellow_max_score: 40}\n", "improvement.red_to_yellow_max_score"),
        ("override_max_days: 0\n", "override_max_days"),
        ("scoring: {key_item_point: 7}\n", "scoring.key_item_point"),
        ("verified_complaint_colour: blue\n", "verified_complaint_colour"),
        ("rerating_within_months: three\n", "rerating_within_months"),
        # Caps that would stop the red interval being kept, naming the interval that breaks.
        ("frequency: {capped: [random, red]}\n", "interval_months.red"),
        (
            "frequency: {capped: [random, yellow], agency_visits_per_year: 1}\n",
            "interval_months.yellow",
        ),
        (
            "frequency: {capped: [random, green], higher_level_quiet_months: 30}\n",
            "interval_months.green",
        ),
        ("frequency: {capped: [random, purple]}\n", "frequency.capped"),
        ("frequency: {capped: random}\n", "frequency.capped"),
        ("priority_order: [complaint, red]\n", "priority_order"),
        ("priority_order: [complaint, complaint]\n", "priority_order"),
        ("priority_order: [urgent]\n", "priority_order"),
    ],
)
def test_impossible_values_are_refused_naming_the_key(tmp_path: Path, text: str, key: str):
    with pytest.raises(PolicyFileError) as raised:
        load_policy(write(tmp_path, "bad.yaml", text))
    assert raised.value.key == key
    assert f"`{key}`" in str(raised.value)


def test_an_unreadable_or_unparsable_file_is_refused(tmp_path: Path):
    with pytest.raises(PolicyFileError, match="cannot be read"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(PolicyFileError, match="not valid"):
        load_policy(write(tmp_path, "broken.toml", "[thresholds\n"))
    with pytest.raises(PolicyFileError, match=r"\.yaml, \.yml or \.toml"):
        load_policy(write(tmp_path, "policy.json", "{}"))


def test_the_app_refuses_to_start_on_a_bad_policy_file(tmp_path: Path):
    bad = write(tmp_path, "bad.yaml", "interval_months: {green: 24, yellow: 6, red: -3}\n")
    with pytest.raises(PolicyFileError, match=r"interval_months\.red"):
        create_app(Settings(policy_file=str(bad), secret_key="x", var_dir=tmp_path))


def test_the_app_runs_on_the_policy_file(tmp_path: Path):
    good = write(tmp_path, "good.toml", "override_max_days = 30\n")
    app = create_app(Settings(policy_file=str(good), secret_key="x", var_dir=tmp_path))
    assert app.state.policy.override_max_days == 30


def test_check_policy_names_the_bad_key(tmp_path: Path):
    bad = write(tmp_path, "bad.yaml", "thresholds: {yellow_min: 30, red_min: 28}\n")
    result = CliRunner().invoke(codes, ["check-policy", str(bad)])
    assert result.exit_code == 2
    assert "thresholds.red_min" in result.output
    ok = CliRunner().invoke(codes, ["check-policy", str(EXAMPLE)])
    assert ok.exit_code == 0 and "red_min = 28" in ok.output


def test_recompute_refuses_a_bad_policy_file(tmp_path: Path):
    bad = write(tmp_path, "bad.yaml", "interval_months: {green: 24, yellow: 0, red: 3}\n")
    env = {
        "POLICY_FILE": str(bad),
        "ONEVISIT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    result = CliRunner().invoke(codes, ["recompute"], env=env)
    assert result.exit_code != 0
    assert "interval_months.yellow" in result.output


def test_a_cap_refusal_says_which_keys_collide(tmp_path: Path):
    with pytest.raises(PolicyFileError) as raised:
        load_policy(write(tmp_path, "caps.yaml", "frequency: {capped: [random, red]}\n"))
    message = str(raised.value)
    assert "4 visits a year" in message
    assert "frequency.agency_visits_per_year" in message and "frequency.capped" in message


def test_caps_that_fit_the_interval_are_accepted(tmp_path: Path):
    text = "frequency: {capped: [random, yellow, green], agency_visits_per_year: 2}\n"
    policy = load_policy(write(tmp_path, "fits.yaml", text))
    assert policy.capped == ("random", "yellow", "green")
