"""Configuration: defaults, validation errors that name the key, secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import config
from core.errors import ConfigError

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def test_example_file_loads_and_matches_the_defaults() -> None:
    loaded = config.load(EXAMPLE)
    default = config.from_mapping({}, base_dir=EXAMPLE.parent)
    assert loaded.mailbox.port == 993
    assert loaded.smtp.auto_mail_per_address_per_day == 20
    assert loaded.campaign == default.campaign
    assert loaded.limits == default.limits
    assert loaded.logging == default.logging
    assert loaded.staff == default.staff
    assert loaded.database.url == default.database.url


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[storage]\ndir = "x/store"\n[database]\nurl = "sqlite:///db.sqlite3"\n')
    loaded = config.load(path)
    assert loaded.storage.dir == tmp_path / "x/store"
    assert loaded.database.url == f"sqlite:///{tmp_path / 'db.sqlite3'}"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[smtp]\nport = "abc"', "smtp.port"),
        ("[mailbox]\nport = 70000", "mailbox.port"),
        ('[mailbox]\nsecurity = "tls"', "mailbox.security"),
        ('[mailbox]\nkind = "pop3"', "mailbox.kind"),
        ('[campaign]\ndeadline = "30/09/2564"', "campaign.deadline"),
        ('[logging]\nlevel = "LOUD"', "logging.level"),
        ('[logging]\nformat = "xml"', "logging.format"),
        ('[staff]\nsignature_name = " "', "staff.signature_name"),
        ('[campaign]\nsend_window = "16:30-09:00"', "campaign.send_window"),
        ("[campaign]\nreminder_days_before = [7, -1]", "campaign.reminder_days_before"),
        ("[mailbox]\nhots = 'x'", "mailbox.hots"),
        ("[mailbx]\nhost = 'x'", "mailbx"),
        ('[mailbox]\nauth = "xoauth2"', "mailbox.auth"),
        ('[smtp]\nfrom_address = "nobody"', "smtp.from_address"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        config.load(path)


def test_secret_from_the_named_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[mailbox]\npassword_env = "MY_IMAP_SECRET"\n')
    monkeypatch.setenv("MY_IMAP_SECRET", "s3cret")
    assert config.load(path).mailbox.password == "s3cret"
    assert "s3cret" not in repr(config.load(path))


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[mailbox\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(bad)
