"""How long the import commands take on 10,000-line files: dry run, import, and a re-run.

Generates one CSV file per command in a temporary directory and imports it
into a temporary SQLite database (migrated first), in the order the rows
refer to each other: locations, charge points (every one with a password,
the costly case: each is hashed), drivers, id tags (each owned by a
driver). The re-run imports the same file again and should find every
line unchanged. "in txn s" is how long the import's database transaction
was open (on SQLite, every other writer waits that long): passwords are
hashed before it opens. Prints one table; no thresholds
(docs/architecture.md: timings are benchmarks).

    python bench/imports.py [--lines 10000]
"""

import argparse
import csv
import io
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rows(kind: str, count: int) -> tuple[list[str], list[list]]:
    if kind == "locations":
        return (
            ["id", "name", "address", "city", "country", "latitude", "longitude", "parking_type"],
            [
                [
                    f"LOC-{n}",
                    f"Site {n}",
                    f"Street {n}",
                    "Berlin",
                    "DE",
                    "52.5",
                    "13.4",
                    "ON_STREET",
                ]
                for n in range(count)
            ],
        )
    if kind == "chargepoints":
        return (
            ["chargepoint_id", "name", "location", "connectors", "security_profile", "password"],
            [
                [f"CP-{n:05}", f"Charger {n}", f"LOC-{n % 500}", 2, 1, f"secret-password-{n:05}"]
                for n in range(count)
            ],
        )
    if kind == "drivers":
        return (
            ["phone_number", "name", "email"],
            [[f"+6681{n:07}", f"Driver {n}", f"driver{n}@example.com"] for n in range(count)],
        )
    return (
        ["id_token", "type", "phone_number", "expiry_date", "blocked"],
        [[f"TAG{n:06}", "ISO14443", f"+6681{n:07}", "2030-12-31", "false"] for n in range(count)],
    )


COMMANDS = [
    ("locations", "import_locations"),
    ("chargepoints", "import_chargepoints"),
    ("drivers", "import_drivers"),
    ("idtags", "import_idtags"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csms-bench-imports-") as folder:
        os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
        os.environ["CSMS_PHONE_REGION"] = "TH"
        import django

        django.setup()
        from django.core.management import call_command

        from csms.imports.resources import ImportResource

        # How long each import_data (the transaction import-export opens) lasts.
        held: list[float] = []
        import_data = ImportResource.import_data

        def timed(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return import_data(self, *args, **kwargs)
            finally:
                held.append(time.perf_counter() - started)

        ImportResource.import_data = timed
        call_command("migrate", verbosity=0)
        columns = ("dry run s", "import s", "in txn s", "re-run s")
        print(f"{'command':<22}{'lines':>8}" + "".join(f"{c:>12}" for c in columns))
        for kind, command in COMMANDS:
            headers, data = rows(kind, args.lines)
            path = Path(folder) / f"{kind}.csv"
            with path.open("w", newline="", encoding="utf-8") as file:
                writer = csv.writer(file)
                writer.writerow(headers)
                writer.writerows(data)
            figures = []
            for options in (["--dry-run"], [], []):
                out = io.StringIO()
                started = time.perf_counter()
                call_command(command, str(path), *options, stdout=out, stderr=io.StringIO())
                figures.append(time.perf_counter() - started)
            figures.insert(2, held[-2])  # the import's, not the re-run's
            summary = out.getvalue().strip().splitlines()[-1]
            assert f"{args.lines} unchanged" in summary, summary
            print(f"{command:<22}{args.lines:>8}" + "".join(f"{s:>12.1f}" for s in figures))


if __name__ == "__main__":
    main()
