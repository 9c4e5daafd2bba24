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


def test_request_bodies_have_a_read_timeout_and_a_least_rate():
    key = {"SECRET_KEY": "x" * 40}
    settings = load_settings(key)
    assert (settings.request_read_timeout_seconds, settings.request_min_bytes_per_second) == (
        30,
        1024,
    )
    # A district that set the timeout under its earlier name keeps it; the new name wins.
    assert (
        load_settings({**key, "UPLOAD_READ_TIMEOUT_SECONDS": "45"}).request_read_timeout_seconds
        == 45
    )
    both = {**key, "UPLOAD_READ_TIMEOUT_SECONDS": "45", "REQUEST_READ_TIMEOUT_SECONDS": "20"}
    assert load_settings(both).request_read_timeout_seconds == 20
    with pytest.raises(ValueError, match="REQUEST_MIN_BYTES_PER_SECOND"):
        load_settings({**key, "REQUEST_MIN_BYTES_PER_SECOND": "0"})
