"""The provider mirror: Terraform installs the pinned AWS provider from it offline, and the precedence of a
user's own CLI configuration, AIINV_PROVIDER_MIRROR and the shared cache holds (real Terraform)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.aws.doctor import provider_source
from cli.terraform import provider_mirror
from cli.terraform.tfbin import terraform_command

REPO = Path(__file__).resolve().parents[2]
NOWHERE = ("127.0.0.1", 9)  # a registry address that refuses connections


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine of its own: cache home, plugin cache, no CLI configuration of the user."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AIINV_PLUGIN_CACHE", str(tmp_path / "cache" / "aiinv" / "plugins"))
    monkeypatch.delenv(provider_mirror.MIRROR_ENV, raising=False)
    monkeypatch.delenv(provider_mirror.CLI_CONFIG_ENV, raising=False)
    return tmp_path


def _fill(mirror: Path) -> Path:
    """A mirror that holds the pinned version (an executable stands in for the provider binary)."""
    binary = provider_mirror.binary_path(mirror)
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\nexit 1\n")
    binary.chmod(0o755)
    return binary


def test_terraform_init_installs_the_pinned_provider_from_the_default_mirror_offline(machine: Path) -> None:
    binary = _fill(provider_mirror.default_mirror())
    stack = machine / "stack"
    stack.mkdir()
    pin = provider_mirror.AWS
    (stack / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": {
        "aws": {"source": "aws", "version": pin.version}}}}))
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", **provider_mirror.terraform_env()}
    assert provider_mirror.CLI_CONFIG_ENV in env
    done = subprocess.run([*terraform_command(), "init", "-input=false", "-no-color"], cwd=stack, env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    installed = (stack / ".terraform/providers" / pin.address / pin.version / provider_mirror.target_platform()
                 / binary.name)
    assert installed.read_bytes() == binary.read_bytes()
    assert f'version     = "{pin.version}"' in (stack / ".terraform.lock.hcl").read_text()


def test_a_users_own_cli_configuration_wins(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(provider_mirror.default_mirror())
    own = machine / "terraformrc"
    monkeypatch.setenv(provider_mirror.CLI_CONFIG_ENV, str(own))
    # Named but missing: it configures nothing, so the mirror is used (doctor warns about the name).
    assert provider_mirror.terraform_env()
    own.write_text('plugin_cache_dir = "/tmp"\n')
    assert provider_mirror.terraform_env() == {}
    check = provider_source(NOWHERE)
    assert check.ok and str(own) in check.detail


def test_an_explicit_mirror_is_used_and_doctor_says_when_it_lacks_the_pin(machine: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = machine / "company-mirror"
    monkeypatch.setenv(provider_mirror.MIRROR_ENV, str(explicit))
    config = Path(provider_mirror.terraform_env()[provider_mirror.CLI_CONFIG_ENV]).read_text()
    assert f'path    = "{explicit.resolve()}"' in config
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in config
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in config
    missing = provider_source(NOWHERE)
    assert not missing.ok and "does not hold hashicorp/aws" in missing.detail and "make providers" in missing.fix
    _fill(explicit)
    assert provider_source(NOWHERE).ok


def test_without_a_mirror_terraform_goes_to_the_registry_and_doctor_says_when_it_cannot(machine: Path) -> None:
    assert provider_mirror.terraform_env() == {}
    check = provider_source(NOWHERE)
    assert not check.ok
    assert check.detail == "no mirror holds it and 127.0.0.1 is not reachable"
    assert "make providers" in check.fix


def test_aiinv_providers_builds_nothing_when_the_mirror_holds_the_pin(machine: Path) -> None:
    binary = _fill(provider_mirror.default_mirror())
    before = binary.stat().st_mtime_ns
    done = subprocess.run([sys.executable, "-m", "cli.main", "providers"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"hashicorp/aws {provider_mirror.AWS.version}: already in the mirror ({binary})"
    assert binary.stat().st_mtime_ns == before
