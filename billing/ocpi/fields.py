"""OCPI 2.2.1 field types (types §16) as our validators read them."""

import re

# Types §16.1 CiString: printable ASCII only (no control character reaches the
# database), compared regardless of case.
CI_STRING = re.compile(r"[\x20-\x7e]*")
# An object's id, a CiString(36) (locations §8.2.1.1, tokens §12.2.1.1 uid).
OCPI_ID = re.compile(r"[\x20-\x7e]{1,36}")
