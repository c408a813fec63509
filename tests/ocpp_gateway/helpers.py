"""Drive a protocol adapter with raw frames, as a charger would, and read its answers."""

import json

from asgiref.sync import async_to_sync


class Wire:
    """An adapter and everything it sent back."""

    def __init__(self, adapter_class, chargepoint_id: str):
        self.sent: list[str] = []

        async def send(text: str) -> None:
            self.sent.append(text)

        self.adapter = adapter_class(chargepoint_id, send=send)

    def send_raw(self, text: str) -> list | None:
        before = len(self.sent)
        async_to_sync(self.adapter.route_message)(text)
        return json.loads(self.sent[-1]) if len(self.sent) > before else None

    def call(self, action: str, payload: dict, unique_id: str = "1") -> list:
        """Send a CALL; return the frame sent back."""
        return self.send_raw(json.dumps([2, unique_id, action, payload]))

    def result(self, action: str, payload: dict, unique_id: str = "1") -> dict:
        """Send a CALL that must succeed; return the CALLRESULT payload."""
        answer = self.call(action, payload, unique_id)
        assert answer[0] == 3 and answer[1] == unique_id, answer
        return answer[2]
