"""No secrets in the repository: every tracked file (``git ls-files``) is scanned for private
keys, cloud and chat tokens, credentials in URLs, passwords or keys assigned in settings,
and .env files with values.

Allowed, on purpose (ALLOWED_CREDENTIALS): the local development database's
``presales:presales`` (scripts, README, tests), the placeholders of .env.production.example,
and throwaway credentials in tests, benchmarks and docs examples (``u:p@``,
``secret@``). Test fixture passwords live under ``tests/`` and are not credentials of
anything; the demo accounts' password ``demo`` is documented in the README.
"""

import re
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Stripe/OpenAI-style key": re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bsk-[A-Za-z0-9]{32,}"),
    "credentials in a URL": re.compile(r"[a-z+]+://[^/\s:@'\"]+:([^/\s@'\"]+)@"),
}
ALLOWED_CREDENTIALS = {"presales", "secret", "p", "pass", "password", "PASSWORD"}
# Settings read secrets from the environment; a literal assigned there would be shipped.
SETTINGS_LITERAL = re.compile(
    r"^\s*(SECRET_KEY|[A-Z_]*PASSWORD|[A-Z_]*TOKEN|[A-Z_]*API_KEY)\s*=\s*[\"'][^\"']+[\"']", re.MULTILINE
)
ENV_EXAMPLE_PLACEHOLDERS = {"SECRET_KEY": "change-me-to-50-random-characters"}


def tracked_files() -> list[Path]:
    result = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)  # noqa: S607  # nosec B607  # git from PATH, as CI runs it
    return [ROOT / name for name in result.stdout.decode().split("\0") if name]


def text_of(path: Path) -> str | None:
    data = path.read_bytes() if path.is_file() else b""
    return None if b"\0" in data[:8192] else data.decode("utf-8", errors="replace")


def test_tracked_files_hold_no_keys_tokens_or_url_credentials():
    files = tracked_files()
    assert len(files) > 100  # git answered with the whole tree
    findings = []
    for path in files:
        text = text_of(path)
        if text is None:
            continue
        for label, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                if label == "credentials in a URL" and match.group(1) in ALLOWED_CREDENTIALS:
                    continue
                findings.append(f"{path.relative_to(ROOT)}: {label}: {match.group(0)[:40]}")
    assert findings == []


def test_settings_assign_no_secret_literals():
    for path in ROOT.glob("*/settings*.py"):
        assert SETTINGS_LITERAL.findall(path.read_text()) == [], path


def test_no_env_file_with_values_is_tracked():
    env_files = [path for path in tracked_files() if path.name == ".env" or path.name.startswith(".env.")]
    assert [path.name for path in env_files] == [".env.production.example"]
    values = dict(
        line.split("=", 1) for line in env_files[0].read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    for name, placeholder in ENV_EXAMPLE_PLACEHOLDERS.items():
        assert values[name] == placeholder
    for name in (".env", ".env.local"):  # what the README's `cp` makes, and its kin
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)  # noqa: S607  # nosec B607  # git from PATH, as CI runs it
        assert ignored.returncode == 0, f"{name} is not in .gitignore"


def test_the_scan_finds_what_it_looks_for():
    """The patterns are live: each catches a sample (built here, so this file holds none)."""
    samples = {
        "private key": "-----BEGIN " + "RSA PRIVATE KEY-----",
        "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a" * 36,
        "credentials in a URL": "postgres://app:" + "hunter2@db/x",
    }
    for label, sample in samples.items():
        assert PATTERNS[label].search(sample), label
    assert SETTINGS_LITERAL.search('SECRET_KEY = "' + 'abc"')
