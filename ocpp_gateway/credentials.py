"""A charger's credential under the names chargers give it: never set by hand, never stored.

Both versions keep the charger's Basic auth password as a configuration
value (1.6 AuthorizationKey, 2.0.1 SecurityCtrlr.BasicAuthPassword): the
version modules name it, and this tells a name that stands for it.
"""

import unicodedata

from chargepoints.services.command_secrets import REDACTED

__all__ = ["REDACTED", "names_alike"]


def _folded(name: str) -> str:
    # Compatibility forms (fullwidth letters, the long s) to their letters,
    # accents and zero-width characters dropped, case folded as Java's and
    # .NET's culture-aware comparisons may (the Turkish dotless i), and what
    # is neither a letter nor a digit left out.
    text = unicodedata.normalize("NFKD", name).replace("\u0131", "i").casefold()
    return "".join(character for character in text if character.isascii() and character.isalnum())


def names_alike(name, protected: str) -> bool:
    """Whether a charger may read ``name`` as ``protected``: not only ASCII case ignored.

    Command forms let only ASCII OCPP identifiers through
    (chargepoints/commands/configuration.py); this is for what a charger
    sends, and a second line for what we send.
    """
    return isinstance(name, str) and _folded(name) == _folded(protected)
