import uuid


def new_ocpi_id() -> str:
    """A fresh id for an OCPI object (OCPI ids are strings of at most 36 characters)."""
    return str(uuid.uuid4())
