"""A raw WebSocket echo server: the baseline `make bench` compares the CSMS with.

Every frame goes back unchanged, so the load client's calls are answered at
the speed of the WebSocket stack alone, on the same core and the same
interpreter as the CSMS.

    python bench/echo.py PORT
"""

import asyncio
import contextlib
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


async def echo(connection) -> None:
    # The client drops its connections at the end of a run without closing them.
    with contextlib.suppress(ConnectionClosed):
        async for message in connection:
            await connection.send(message)


async def main(port: int) -> None:
    async with serve(
        echo, "127.0.0.1", port, subprotocols=["ocpp1.6"], compression=None, max_queue=None
    ):
        print(f"Listening on TCP address 127.0.0.1:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
