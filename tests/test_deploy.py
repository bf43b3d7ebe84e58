"""deploy/: the systemd units verify, install.sh stages safe files and a config the kiosk
accepts, and the cage launcher passes the kiosk's exit status on to systemd."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.config import load_config

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ("csat-kiosk.service", "csat-kiosk-console.service")
SCRIPTS = (DEPLOY / "install.sh", DEPLOY / "kiosk-in-cage")


def _stage(destdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """install.sh into DESTDIR (no apt, user, systemctl or venv: the file layout only)."""
    env = {**os.environ, "DESTDIR": str(destdir)}
    return subprocess.run(["bash", str(DEPLOY / "install.sh"), "--no-venv", *args],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def staged(tmp_path: Path) -> Path:
    destdir = tmp_path / "root"
    result = _stage(destdir, "--font-size", "23")
    assert result.returncode == 0, result.stderr
    return destdir


def _verify_root(staged: Path) -> Path:
    """A root for `systemd-analyze verify --root`: the staged files, the system's own units
    (sysinit.target & co.) and an executable where the venv's `kiosk` goes."""
    analyze = shutil.which("systemd-analyze")
    system_units = Path("/usr/lib/systemd/system")
    if analyze is None or not system_units.is_dir():
        pytest.skip("systemd-analyze is not installed (Debian package: systemd)")
    shutil.copytree(system_units, staged / "usr/lib/systemd/system", symlinks=True)
    kiosk = staged / "opt/csat-kiosk/bin/kiosk"
    kiosk.parent.mkdir(parents=True, exist_ok=True)
    kiosk.write_text("#!/bin/sh\n")
    kiosk.chmod(0o755)
    probe = subprocess.run([analyze, "verify", f"--root={staged}", "multi-user.target"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"systemd-analyze verify cannot run here: {probe.stderr.strip()[:200]}")
    return staged


def _verify(root: Path, *units: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", f"--root={root}", *units],
                          capture_output=True, text=True, timeout=60)


def test_units_pass_systemd_analyze_verify(staged: Path) -> None:
    root = _verify_root(staged)
    result = _verify(root, *UNITS)
    # Unknown keys are only warnings (exit 0): any line at all about our units fails.
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_verify_catches_a_broken_unit(staged: Path) -> None:
    """The check above can fail: a misspelt hardening key and a missing launcher are reported."""
    root = _verify_root(staged)
    unit = root / "etc/systemd/system" / UNITS[0]
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystm=strict"))
    (root / "usr/local/lib/csat-kiosk/kiosk-in-cage").unlink()
    result = _verify(root, UNITS[0])
    assert "Unknown key 'ProtectSystm'" in result.stderr
    assert "kiosk-in-cage is not executable" in result.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_units_restart_on_failure_and_keep_the_data_dir_private(unit: str) -> None:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / unit).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values.setdefault(key.strip(), []).extend(value.split())
    for key, needed in (("Restart", "on-failure"), ("User", "csat-kiosk"),
                        ("StateDirectory", "csat-kiosk"), ("StateDirectoryMode", "0750"),
                        ("UMask", "0027"), ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                        ("Conflicts", "getty@tty1.service")):
        assert needed in values.get(key, []), f"{unit}: {key}= lacks {needed}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_parse_and_pass_shellcheck(script: Path) -> None:
    syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (Debian package: shellcheck); bash -n passed")
    lint = subprocess.run([shellcheck, str(script)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_install_stages_private_config_and_data_dir(staged: Path) -> None:
    def mode(path: str) -> int:
        return stat.S_IMODE((staged / path.lstrip("/")).stat().st_mode)

    assert mode("/etc/csat-kiosk") == 0o750
    assert mode("/etc/csat-kiosk/config.toml") == 0o640
    assert mode("/var/lib/csat-kiosk") == 0o750
    assert mode("/usr/local/lib/csat-kiosk/kiosk-in-cage") == 0o755
    # The kiosk itself accepts the installed config, and it points at the state dir.
    config = load_config(staged / "etc/csat-kiosk/config.toml")
    assert config.data_dir == Path("/var/lib/csat-kiosk")
    assert config.admin.export_dir == Path("/var/lib/csat-kiosk/exports")
    assert "font=DejaVu Sans Mono:size=23" in (staged / "etc/csat-kiosk/foot.ini").read_text()


def test_install_keeps_an_existing_config(staged: Path) -> None:
    config = staged / "etc/csat-kiosk/config.toml"
    config.write_text('[kiosk]\nid = "shop-7"\n')
    result = _stage(staged)
    assert result.returncode == 0, result.stderr
    assert config.read_text() == '[kiosk]\nid = "shop-7"\n'
    assert "keeping the existing" in result.stdout


def test_install_refuses_a_bad_option_in_one_line(tmp_path: Path) -> None:
    result = _stage(tmp_path / "root", "--mode", "x11")
    assert result.returncode == 2
    assert result.stderr.strip() == "install.sh: --mode must be cage or console, got 'x11'"


def test_foot_config_is_valid_for_the_installed_foot(staged: Path) -> None:
    foot = shutil.which("foot")
    if foot is None:
        pytest.skip("foot is not installed (Debian package: foot)")
    result = subprocess.run([foot, "--check-config", f"--config={staged}/etc/csat-kiosk/foot.ini"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and " err: " not in result.stderr, result.stderr


def _fake_compositor(bin_dir: Path) -> None:
    """cage and foot that just run their client (the subject here is the launcher)."""
    bin_dir.mkdir()
    for name in ("cage", "foot"):
        tool = bin_dir / name
        tool.write_text('#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nshift\n"$@"\nexit 0\n')
        tool.chmod(0o755)


@pytest.mark.parametrize("kiosk_exit", [0, 1, 3])
def test_launcher_passes_the_kiosk_exit_status_on(tmp_path: Path, kiosk_exit: int) -> None:
    """cage 0.1.4 exits 0 whatever its client did; the launcher must not, or a crashed
    kiosk would never be restarted by Restart=on-failure."""
    _fake_compositor(tmp_path / "bin")
    kiosk = tmp_path / "kiosk"
    kiosk.write_text(f'#!/bin/sh\n[ "$1 $2" = "run --config" ] || exit 99\nexit {kiosk_exit}\n')
    kiosk.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
           "CSAT_KIOSK_BIN": str(kiosk), "RUNTIME_DIRECTORY": str(tmp_path)}
    result = subprocess.run([str(DEPLOY / "kiosk-in-cage"), "/etc/csat-kiosk/config.toml", "foot.ini"],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == kiosk_exit, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "kiosk"]  # status file removed


def test_launcher_fails_when_the_compositor_dies_first(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    cage = tmp_path / "bin" / "cage"
    cage.write_text("#!/bin/sh\nexit 0\n")  # e.g. no seat: gone before the kiosk ran
    cage.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
           "RUNTIME_DIRECTORY": str(tmp_path)}
    result = subprocess.run([str(DEPLOY / "kiosk-in-cage")], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0
    assert "did not report an exit status" in result.stderr
