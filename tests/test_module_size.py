"""Modules stay small enough to read in one sitting (docs/architecture.md).

A module that grows past the limit is split by topic; tests and migrations
are exempt.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["csms", "accounts", "chargepoints", "billing", "ocpp_gateway", "bench"]
LIMIT = 400


def line_counts() -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }


def test_no_module_is_longer_than_the_limit():
    counts = line_counts()
    # Guards against a moved tree silently checking nothing.
    assert len(counts) > 100
    too_long = {path: lines for path, lines in counts.items() if lines > LIMIT}
    assert too_long == {}, f"split these by topic (more than {LIMIT} lines): {too_long}"
