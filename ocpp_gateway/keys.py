"""camelCase <-> snake_case keys of payloads, as the ``ocpp`` library converts them, memoised.

The library converts every key of every frame with regular expressions
(9% of the server's time under meter values). The keys of OCPP payloads are
few and repeat, so each key is converted once, by the library itself (the
same result, quirks included), and remembered. The cache is bounded: keys
a charger makes up (``customData``, vendor data) cannot grow it for ever.
"""

import functools

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case


@functools.lru_cache(maxsize=4096)
def _snake(key: str) -> str:
    return next(iter(camel_to_snake_case({key: None})))


@functools.lru_cache(maxsize=4096)
def _camel(key: str) -> str:
    return next(iter(snake_to_camel_case({key: None})))


def snake_keys(data):
    """Every dictionary key inside ``data``, camelCase to snake_case."""
    if isinstance(data, dict):
        return {_snake(key): snake_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [snake_keys(value) for value in data]
    return data


def camel_keys(data):
    """Every dictionary key inside ``data``, snake_case to camelCase."""
    if isinstance(data, dict):
        return {_camel(key): camel_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [camel_keys(value) for value in data]
    return data
