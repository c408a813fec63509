"""Daphne, with a limit on request bodies enforced before they are read whole.

Daphne receives a request's whole body before it calls the application, then
hands it over in chunks, all at once, into an unbounded queue: an anonymous
400 MB POST kept the process 412 MiB larger although Django refused it. So the
limit sits in Daphne's request object, where Twisted announces the body's
length (``gotLength``) and delivers its chunks (``handleContentChunk``): a body
declared too large is refused before any of it is read, a chunked one as soon
as it passes the limit. Both are answered 413 and the connection closed.

``manage.py serve`` runs this module in place of ``python -m daphne``.
"""

import json
import re

from daphne import http_protocol
from daphne.cli import CommandLineInterface
from django.conf import settings

# The one place that takes files: a driver's or an operator's upload of a
# profile photo. Multipart framing and the form's other fields come on top of
# the photo itself.
PHOTO_PATHS = re.compile(rb"^/(api/v1/me/profile/|admin/accounts/profile/(add|\d+/change)/)$")
MULTIPART_OVERHEAD = 64 * 1024


def body_limit(target: bytes, *, credentials: bool) -> int:
    """The most bytes a request to this target (path and query) may send.

    The photo allowance goes to requests that carry credentials (a token or
    the admin's session cookie), which the application checks once the body is
    in: an anonymous caller, who will be refused anyway, gets no more than
    the ordinary limit buffered.
    """
    if credentials and PHOTO_PATHS.match(target.split(b"?", 1)[0]):
        return settings.CSMS_MAX_PHOTO_BYTES + MULTIPART_OVERHEAD
    return settings.CSMS_MAX_REQUEST_BYTES


def _carries_credentials(headers) -> bool:
    if headers.hasHeader(b"Authorization"):
        return True
    return any(b"sessionid=" in cookie for cookie in headers.getRawHeaders(b"Cookie", []))


class BoundedWebRequest(http_protocol.WebRequest):
    refused = False

    def gotLength(self, length):
        # Twisted has parsed the request line (the channel keeps its target)
        # and the headers, and read nothing of the body yet.
        self.body_limit = body_limit(
            getattr(self.channel, "_path", b"") or b"",
            credentials=_carries_credentials(self.requestHeaders),
        )
        self.body_received = 0
        if length is not None and length > self.body_limit:
            self.refuse()
            length = 0  # nothing of it will be kept
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.body_received += len(data)
        if self.body_received > self.body_limit:
            self.refuse()
            return
        super().handleContentChunk(data)

    def process(self):
        if not self.refused:
            return super().process()

    def refuse(self) -> None:
        self.refused = True
        # A client waiting for "100 Continue" gets the refusal instead, and
        # sends nothing more.
        self.requestHeaders.removeHeader(b"Expect")
        body = json.dumps(
            {"detail": f"Request body too large: at most {self.body_limit} bytes are accepted."}
        ).encode()
        head = (
            "HTTP/1.1 413 Content Too Large\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.channel.transport.write(head.encode() + body)
        self.channel.loseConnection()


def main() -> None:
    # Daphne's HTTP factory reads this module attribute for each connection.
    http_protocol.WebRequest = BoundedWebRequest
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
