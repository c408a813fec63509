from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ChargerPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, for charger passwords only.

    OCPP passwords are 16-40 random characters set by the operator, not words a
    person picked, so the full user-password work factor buys nothing and costs
    ~0.4 s of CPU per connection: a reconnect storm of a thousand chargers would
    stall the server for minutes.
    """

    algorithm = "pbkdf2_sha256_charger"
    iterations = 20_000
