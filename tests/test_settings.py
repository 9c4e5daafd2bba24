"""Configuration from the environment."""

import pytest

from server.core.settings import load_settings


def test_defaults_give_the_embedded_setup(tmp_path):
    settings = load_settings({"ONEVISIT_VAR_DIR": str(tmp_path)})
    assert settings.database_url == "sqlite:///var/onevisit.db"
    assert settings.storage_url == "file://media"
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert len(settings.secret_key) >= 32
    # The generated development secret is kept, so sessions survive a restart.
    assert load_settings({"ONEVISIT_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_settings({"ONEVISIT_ENV": "production", "ONEVISIT_VAR_DIR": str(tmp_path)})


def test_https_base_url_makes_cookies_secure(tmp_path):
    settings = load_settings({"SECRET_KEY": "x" * 40, "PUBLIC_BASE_URL": "https://ov.example/"})
    assert settings.secure_cookies
    assert settings.public_base_url == "https://ov.example"


def test_an_impossible_district_box_is_refused():
    with pytest.raises(ValueError, match="DISTRICT_BBOX"):
        load_settings({"SECRET_KEY": "x" * 40, "DISTRICT_BBOX": "30.4,120.1,30.2,120.3"})
