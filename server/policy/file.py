"""Load the colour policy from `POLICY_FILE` (YAML or TOML); a bad file names the offending key."""

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from server.policy.rules import DEFAULT_POLICY, FILE_KEYS, Policy, PolicyError

__all__ = ["PolicyFileError", "load_policy", "policy_from_mapping"]

# The per-colour tables are read whole; every other key is a leaf.
_TABLES = {"interval_months", "sampling_share"}
_FIELD_FOR_KEY = {key: name for name, key in FILE_KEYS.items()}


class PolicyFileError(ValueError):
    """The policy file cannot be used; the message names the file and the key."""

    def __init__(self, path: str, key: str | None, message: str) -> None:
        where = f"{path}: `{key}`" if key else path
        super().__init__(f"POLICY_FILE {where} {message}")
        self.path, self.key = path, key


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = f"{prefix}{raw_key}"
        if isinstance(value, Mapping) and key not in _TABLES:
            flat.update(_flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


def policy_from_mapping(data: Mapping[str, Any]) -> Policy:
    """A Policy from a parsed policy document; absent keys keep their defaults.

    Raises PolicyError naming the file key of an unknown key or an impossible value.
    """
    values: dict[str, Any] = {}
    for key, value in _flatten(data).items():
        name = _FIELD_FOR_KEY.get(key)
        if name is None:
            raise PolicyError(key, "is not a policy setting")
        if name in _TABLES and not isinstance(value, Mapping):
            raise PolicyError(key, "must be a table with green, yellow and red")
        values[name] = value
    try:
        return Policy(**values)
    except PolicyError:
        raise
    except (TypeError, ValueError) as exc:  # pragma: no cover - Policy names its own keys
        raise PolicyError("policy", str(exc)) from exc


def load_policy(path: str | Path | None) -> Policy:
    """The policy in `path` (.yaml, .yml or .toml), or the defaults when no path is given."""
    if not path:
        return DEFAULT_POLICY
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyFileError(str(file), None, f"cannot be read: {exc.strerror}") from None
    try:
        if file.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif file.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise PolicyFileError(str(file), None, "must end in .yaml, .yml or .toml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise PolicyFileError(str(file), None, f"is not valid: {exc}") from None
    if not isinstance(data, Mapping):
        raise PolicyFileError(str(file), None, "must hold a table of policy settings")
    try:
        return policy_from_mapping(data)
    except PolicyError as exc:
        message = str(exc).removeprefix(f"{exc.key}: ")
        raise PolicyFileError(str(file), exc.key, message) from None
