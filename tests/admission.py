"""A charger's admission run as the consumer runs it, without a socket."""

from chargepoints.services.admission import (
    NO_CREDENTIALS,
    Admission,
    Credentials,
    chargepoint_admit,
    chargepoint_password_checked,
)
from chargepoints.services.connections import (
    Connection,
    PasswordMatch,
    chargepoint_password_verdict,
)

LIVE = Connection("live", "ocpp1.6", ip_address="192.0.2.10", websocket_port=50000)


def admission_run(
    chargepoint_id: str,
    password: str | None = None,
    *,
    credentials: Credentials = NO_CREDENTIALS,
    connection: Connection = LIVE,
    **options,
) -> Admission:
    """Admit or refuse, checking the Basic auth password when it decides."""
    options.setdefault("auto_register", False)
    admission = chargepoint_admit(
        chargepoint_id=chargepoint_id, connection=connection, credentials=credentials, **options
    )
    if admission.password_pending:
        matched = chargepoint_password_verdict(
            password_hash=admission.password_hash,
            unconfirmed_hash=admission.unconfirmed_hash,
            password=password,
        )
        admission = chargepoint_password_checked(
            chargepoint_id=chargepoint_id,
            admission=admission,
            matched=matched is not PasswordMatch.NONE,
            unconfirmed=matched is PasswordMatch.UNCONFIRMED,
            password_given=password is not None,
            credentials=credentials,
            connection=connection,
        )
    return admission
