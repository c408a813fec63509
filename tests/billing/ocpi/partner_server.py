"""A roaming partner's OCPI API on 127.0.0.1: its versions and 2.2.1 details.

It answers only a request carrying its token B as OCPI 2.2.1 says (Base64),
and keeps every request's headers so tests can look at what we sent.
"""

import base64

from tests.fake_http import FakeHttpServer, JsonHandler


class PartnerApi(FakeHttpServer):
    def __init__(self, token_b: str):
        self.token_b = token_b
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.versions: list[dict] | None = None  # None: the default, 2.1.1 and 2.2.1
        self.broken = False
        api = self

        class Handler(JsonHandler):
            def do_GET(self):
                api.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                expected = "Token " + base64.b64encode(api.token_b.encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, {"status_code": 2001, "timestamp": "x"})
                if api.broken:
                    return self.answer(200, "not an OCPI envelope")
                if self.path == "/ocpi/versions":
                    return self.answer(200, api.envelope(api.version_list()))
                if self.path == "/ocpi/2.2.1":
                    return self.answer(200, api.envelope(api.details()))
                return self.answer(404, {"status_code": 2000, "timestamp": "x"})

        super().__init__(Handler)
        self.versions_url = f"{self.base}/ocpi/versions"

    @staticmethod
    def envelope(data):
        return {"data": data, "status_code": 1000, "timestamp": "2024-01-01T00:00:00Z"}

    def version_list(self):
        if self.versions is not None:
            return self.versions
        return [
            {"version": "2.1.1", "url": f"{self.base}/ocpi/2.1.1"},
            {"version": "2.2.1", "url": f"{self.base}/ocpi/2.2.1"},
        ]

    def details(self):
        return {
            "version": "2.2.1",
            "endpoints": [
                {
                    "identifier": "credentials",
                    "role": "SENDER",
                    "url": f"{self.base}/ocpi/2.2.1/credentials",
                },
                {"identifier": "tokens", "role": "SENDER", "url": f"{self.base}/ocpi/2.2.1/tokens"},
                {"identifier": "cdrs", "role": "RECEIVER", "url": f"{self.base}/ocpi/2.2.1/cdrs"},
            ],
        }
