"""The driver journey of the README, run against a real server, printed as markdown.

Register, find a charger (nearby, and by the printed EVSE id a QR code holds),
price it with an estimate, start (with an Idempotency-Key, and the retry the
key makes safe), follow the live socket, ask for the receipt too early (a
problem+json refusal), stop, and read the receipt. Every request is printed as
the curl command that makes it, every answer as it came, long answers cut to
the fields an app needs at that step ("…" where fields were cut, and said so).
The helpers are in docs/journey_http.py.

Run against `make run` with a charger that waits for commands, e.g.

    DEBUG=1 .venv/bin/python manage.py simulate_chargers --count 1 --remote \\
        --duration 600 --location DEMO-LOC-1 --tariff DEMO-AC-STANDARD
    .venv/bin/python docs/journey.py --base http://127.0.0.1:9000 > journey.md

Needs only the standard library and `websockets` (in the project's venv).
"""

import argparse
import json
import random
import sys
import time
import urllib.parse
import uuid

from journey_http import (
    LiveSocket,
    Stop,
    Transcript,
    find_evse_id,
    keep,
    pretty,
    shorten_evse,
    shorten_live,
    shorten_locations,
    shorten_price,
    shorten_receipt,
    shorten_registration,
    shorten_started,
    shorten_stop,
    transaction_socket,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:9000", help="the server's URL")
    parser.add_argument(
        "--show-base", default=None, help="the server's URL as printed (default: --base)"
    )
    parser.add_argument("--chargepoint", default="SIM-0001")
    parser.add_argument("--connector", type=int, default=1)
    parser.add_argument("--latitude", default="52.52")
    parser.add_argument("--longitude", default="13.405")
    parser.add_argument("--radius", default="5", help="km")
    parser.add_argument("--phone", default=None, help="default: a random +6681234xxxx")
    parser.add_argument("--password", default="a long secret 42")
    parser.add_argument("--id-tag", default=None, help="default: a random APP-xxxxxxxx")
    parser.add_argument("--energy-kwh", default="20")
    parser.add_argument("--duration-minutes", default="60")
    parser.add_argument("--charge-seconds", type=float, default=8.0, help="before the stop")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for a state")
    args = parser.parse_args()
    journey = Journey(args)
    try:
        journey.run()
    except Stop as stop:
        print(f"\nJOURNEY STOPPED: {stop}", file=sys.stderr)
        return 1
    return 0


class Journey(Transcript):
    def __init__(self, args):
        super().__init__(args.base)
        self.args = args
        self.session_id = None
        self.stopped = False
        self.phone = args.phone or "+668123" + "".join(random.choices("0123456789", k=5))
        self.id_tag = args.id_tag or "APP-" + uuid.uuid4().hex[:8].upper()

    def run(self):
        a = self.args
        cp, n = a.chargepoint, a.connector
        self.block("sh", f"API={(a.show_base or self.base).rstrip('/')}/api/v1")
        self.say()

        self.say(
            "**1. Register** (or log in: `POST /auth/login/`, same answer). The token "
            "is this device's; every later call sends it."
        )
        self.say()
        _, _, data = self.step(
            "POST",
            "/auth/register/",
            {"phone_number": self.phone, "password": a.password},
            expect={201},
            shorten=shorten_registration,
        )
        self.token = data["token"]
        self.block("sh", "TOKEN=" + self.token[:8] + "…   # the token of the answer")
        self.say()
        self.say(
            "An id tag to charge with (the app's virtual card; a driver's RFID card "
            "is added the same way):"
        )
        self.say()
        self.step("POST", "/id-tags/", {"id_token": self.id_tag}, token=True, expect={201})

        self.say(
            "**2. Find** a charger near the driver: locations within "
            f"{a.radius} km, nearest first, each with its charge points, their "
            "connectors' status and the tariffs (no token needed)."
        )
        self.say()
        query = urllib.parse.urlencode(
            {"latitude": a.latitude, "longitude": a.longitude, "radius": a.radius}
        )
        _, _, found = self.step(
            "GET",
            f"/locations/?{query}",
            expect={200},
            shorten=lambda d: shorten_locations(d, cp),
            note="(Shortened, as the answers below: what a list of chargers shows is "
            "kept, the other charge points and fields are cut to `…`. Every field is "
            "described in the schema.)",
        )
        evse_id = find_evse_id(found, cp, n)
        if evse_id is None:
            raise Stop(f"{cp} connector {n} is not in the nearby search's answer")
        self.say(
            "Or the driver scans the QR code on the charger, which holds its printed "
            "EVSE id (`*` sent as `%2A`; case, the `*`s, spaces and dashes may be "
            "left out). The answer gives each connector's `price_url`:"
        )
        self.say()
        quoted = urllib.parse.quote(evse_id, safe="")
        _, _, evse = self.step("GET", f"/evses/{quoted}/", expect={200}, shorten=shorten_evse)
        price_url = evse["connectors"][0]["price_url"]

        self.say(
            "**3. Price**: the tariff a session starting now would be priced with, in "
            "numbers (`tariff`, cut here) and in words (`text`), and what a given "
            "energy and time would cost (computed by the same engine as the receipt):"
        )
        self.say()
        query = urllib.parse.urlencode(
            {"energy_kwh": a.energy_kwh, "duration_minutes": a.duration_minutes}
        )
        self.step(
            "GET",
            price_url.removeprefix("/api/v1") + "?" + query,
            expect={200},
            shorten=shorten_price,
        )

        # The live socket is open before the start, as an app keeps it open.
        live = LiveSocket(self.base, self.token)
        try:
            self.start(cp, n)
            self.follow(live)
            self.stop_and_bill(live)
        finally:
            live.close()
            if self.session_id and not self.stopped:
                # A journey stopped halfway leaves no car charging on the demo charger.
                self.call("POST", f"/sessions/{self.session_id}/stop/", token=True)

    def start(self, cp, n):
        self.say(
            "**4. Start** with an `Idempotency-Key`. The answer comes at once, "
            "without waiting for the charger: `202` with the session, already "
            "`STARTING` when the charger's connection took the remote start "
            "(`REQUESTED` before that). Its `session_id` is known from now on."
        )
        self.say()
        body = {"chargepoint_id": cp, "connector_id": n}
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        started_at = time.monotonic()
        _, _, session = self.step(
            "POST", "/sessions/", body, headers, token=True, expect={202}, shorten=shorten_started
        )
        took = time.monotonic() - started_at
        if session.get("status") not in ("REQUESTED", "STARTING", "CHARGING"):
            raise Stop(f"the start answered status {session.get('status')}, not STARTING")
        self.session_id = session["session_id"]
        if session["status"] == "CHARGING":
            self.say(
                f"(Answered in {took * 1000:.0f} ms. The simulated charger plugs its car "
                "in at once: it accepted the remote start and began the transaction "
                "before the answer left, so the session is already `CHARGING` with its "
                "`transaction`. A charger whose car is not plugged in yet leaves it "
                "`STARTING`, `transaction` null. `start_command`, the remote start sent "
                "to the charger, and `transaction` are cut to a few fields.)"
            )
        else:
            self.say(
                f"(Answered in {took * 1000:.0f} ms; `start_command`, the remote start "
                "sent to the charger, is cut to a few fields.)"
            )
        self.say()
        self.say(
            "A retry with the same key (the app's request timed out, say) does not "
            "start again: it gets the first answer, marked as replayed:"
        )
        self.say()
        _, head, again = self.step(
            "POST",
            "/sessions/",
            body,
            headers,
            token=True,
            expect={202},
            show=("Idempotent-Replayed",),
            shorten=lambda d: keep(d, "session_id", "status"),
        )
        if again["session_id"] != self.session_id or head.get("Idempotent-Replayed") != "true":
            raise Stop("the retry with the same Idempotency-Key was not a replay")

    def follow(self, live):
        a = self.args
        self.say(
            "**5. Live.** The app keeps one socket open, "
            "`ws://<host>/ws/v1/live/?token=<token>` (or an `Authorization: Token` "
            "header): a snapshot first, then the session at every move, the "
            "notifications, and the charger going offline and online. Opened before "
            "the start, it said:"
        )
        self.say()
        charging = live.until(
            lambda m: m["type"] == "session" and m["data"]["status"] == "CHARGING", a.wait
        )
        if charging is None:
            raise Stop(f"no CHARGING session on the live socket within {a.wait} s: {live.seen}")
        tx_id = charging["data"]["transaction"]["transaction_id"]
        # Meter values are not sent on /ws/v1/live/: they are on the transaction's socket.
        self.charging_since = time.monotonic()
        samples = transaction_socket(
            self.base, self.token, tx_id, count=2, seconds=max(a.charge_seconds, 5)
        )
        live.until(lambda m: False, 1.0)  # a notification may follow the session
        self.print_live(live.take())
        self.say(
            "Meter values are not sent there (they would flood a socket that follows "
            "several things); the transaction's own socket, "
            "`/ws/v1/transactions/<transaction_id>/?token=<token>`, sends its state at "
            "once (`transaction.snapshot`) and again at every meter value until it "
            "ends; what the charger has not reported is `null`:"
        )
        self.say()
        if len(samples) < 2 or samples[-1].get("type") != "transaction.update":
            raise Stop(f"no update on the transaction's socket: {json.dumps(samples)}")
        self.block("json", pretty(samples[-1]))
        self.say()

        self.say(
            "A receipt is the session's CDR, made when the transaction ends: asked "
            "for too early, the answer is `409 receipt_not_ready`, an RFC 9457 "
            "problem as every error is (an app switches on `code`; `detail` is in "
            "the request's language):"
        )
        self.say()
        self.step(
            "GET",
            f"/sessions/{self.session_id}/receipt/",
            token=True,
            expect={409},
            show=("Content-Type",),
        )

    def stop_and_bill(self, live):
        a = self.args
        session_id = self.session_id
        time.sleep(max(0.0, a.charge_seconds - (time.monotonic() - self.charging_since)))
        self.say(
            "**6. Stop.** Online, the charger is asked to stop: `202`, outcome "
            "`REMOTE_STOP`; the session goes `FINISHING` when the charger accepts and "
            "`COMPLETED` when the transaction ends. (A stop while the start still "
            "waits cancels it: `200`, outcome `CANCELED`. At a charger gone offline "
            "the answer is `409 charger_offline` with `Retry-After` until it has been "
            "gone `CSMS_DRIVER_CLOSE_OFFLINE_AFTER`, then `200`, outcome `CLOSED`.)"
        )
        self.say()
        self.step(
            "POST",
            f"/sessions/{session_id}/stop/",
            None,
            {"Idempotency-Key": str(uuid.uuid4())},
            token=True,
            expect={200, 202},
            shorten=shorten_stop,
        )
        self.stopped = True
        done = live.until(
            lambda m: m["type"] == "session" and m["data"]["status"] == "COMPLETED", a.wait
        )
        if done is None:
            raise Stop(f"no COMPLETED session on the live socket within {a.wait} s: {live.seen}")
        live.until(lambda m: False, 1.0)
        self.say("On the live socket:")
        self.say()
        self.print_live(live.take(), cost=True)

        self.say(
            "**7. Receipt**: the CDR's totals, its charging periods with what each "
            "cost, the tariff and the site as they were (cut here: the OCPI party, "
            "`fixed_cost`, `energy_cost`, `time_cost` and `parking_cost`, a period's "
            "`costs` per dimension, ...)."
        )
        self.say()
        path = f"/sessions/{session_id}/receipt/"
        # The CDR is made as the transaction ends; until then the answer stays 409.
        deadline = time.monotonic() + a.wait
        while True:
            status, reason, _, data = self.call("GET", path, token=True)
            if status == 200:
                break
            if status != 409 or data.get("code") != "receipt_not_ready":
                raise Stop(f"GET {path} answered {status}: {json.dumps(data)}")
            if time.monotonic() > deadline:
                raise Stop(f"no receipt within {a.wait} s: {json.dumps(data)}")
            time.sleep(0.5)
        self.block("sh", self.curl("GET", path, token=True))
        self.answer(status, reason, shorten_receipt(data))

    def print_live(self, messages, *, cost=False):
        self.block("json", "\n".join(pretty(shorten_live(m, cost=cost)) for m in messages))
        self.say()
        if not cost:
            self.say(
                "(A session message carries the whole session as "
                "`GET /sessions/<session_id>/` shows it, a notification the whole "
                "notification; cut here to a few fields and `…`.)"
            )
            self.say()


if __name__ == "__main__":
    sys.exit(main())
