"""The REST API's settings: Django REST Framework, its OpenAPI schema, its tokens.

Kept apart from csms/settings.py, which imports them, so each stays readable.
"""

import os
from datetime import timedelta

REST_FRAMEWORK = {
    # DRF's own, but a body they cannot read is told in the API's words
    # rather than Python's, and JSON nested too deeply (csms/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "csms.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "csms.api.parsers.MultiPartParser",
    ],
    # Token first: an anonymous API call is answered 401 with a challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "csms.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        # DRF's ?ordering=, except that ?updated_after= sorts by time of change.
        "csms.api.filters.Ordering",
    ],
    # A query parameter a view does not read is a 400 (csms/api/query.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "csms.api.query.QueryCheckingNegotiation",
    # Anonymous callers per client address, logged-in ones per account; both
    # record their counts for the RateLimit fields (accounts/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api.throttling.AnonRateThrottle",
        "accounts.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("CSMS_THROTTLE_ANON", "120/min"),
        # Login and registration, per client address: slows password guessing.
        "login": os.environ.get("CSMS_THROTTLE_LOGIN", "10/min"),
        # Each logged-in account, drivers ("user") and holders of any right
        # ("operator": integrations syncing a fleet), wherever it calls from.
        "user": os.environ.get("CSMS_THROTTLE_USER", "600/min"),
        "operator": os.environ.get("CSMS_THROTTLE_OPERATOR", "3000/min"),
        # Password reset codes one phone number may be sent, whoever asks.
        "password_reset": os.environ.get("CSMS_THROTTLE_PASSWORD_RESET", "5/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "csms.api.schema.AutoSchema",
    # Every error as RFC 9457 problem details (csms/api/exceptions.py).
    "EXCEPTION_HANDLER": "csms.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CSMS API",
    "DESCRIPTION": (
        "REST API of the CSMS for driver apps and integrations. Authenticate with "
        "`Authorization: Token <token>` (POST /api/v1/auth/login/). Live: WebSocket "
        "/ws/v1/live/?token=<token> (a driver's sessions, notifications, chargers) and "
        "/ws/v1/transactions/{id}/?token=<token>, described in docs/asyncapi.yaml (AsyncAPI 3)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1/",
    # Separate request and response components: write-only and read-only
    # fields then appear only where they apply.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package, never a CDN: a site's
    # CSMS is often on a network without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies are documented as JSON only, the API's promise. (DRF also
    # parses forms; documenting three media types per body makes a generated
    # client take a union of three copies of each body.)
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # One schema name per choice set, named after its enum.
    "ENUM_NAME_OVERRIDES": {
        "AvailabilityEnum": "chargepoints.enums.AvailabilityType",
        "ChargePointStatusEnum": "chargepoints.enums.ChargePointStatus",
        "CommandStatusEnum": "chargepoints.api.commands.serializers.COMMAND_STATUSES",
        "ConnectorTypeEnum": "accounts.enums.ConnectorType",
        "IdTokenTypeEnum": "accounts.enums.IdTokenType",
        "NormalizedStatusEnum": "chargepoints.enums.NormalizedStatus",
        "PublicStatusEnum": "chargepoints.enums.PublicStatus",
        "ReservationStatusEnum": "chargepoints.enums.ReservationStatus",
        "SessionStatusEnum": "chargepoints.enums.SessionStatus",
        "TimeZoneEnum": "csms.api.fields.TIME_ZONES",
        "TransactionStatusEnum": "chargepoints.enums.TransactionStatus",
        "NotificationTypeEnum": "accounts.enums.NotificationType",
        "UserStatusEnum": "accounts.enums.UserStatus",
        "VehicleTypeEnum": "accounts.enums.VehicleType",
        "TariffTypeEnum": "billing.enums.TariffType",
        "CommandSourceEnum": "chargepoints.api.commands.serializers.COMMAND_SOURCES",
        "ChargePointErrorCodeEnum": "chargepoints.enums.ChargePointErrorCode",
        "ConnectorFormatEnum": "chargepoints.enums.ConnectorFormat",
        "CommandNameEnum": "chargepoints.api.commands.serializers.COMMAND_NAMES",
        # The parameters of charger commands (chargepoints/api/commands/schema.py).
        "ChargingProfilePurposeEnum": "chargepoints.enums.ChargingProfilePurpose",
        "ChargingProfileKindEnum": "chargepoints.enums.ChargingProfileKind",
        "ChargingRateUnitEnum": "chargepoints.enums.ChargingRateUnit",
        "RecurrencyKindEnum": "chargepoints.enums.RecurrencyKind",
        "ResetTypeEnum": ["HARD", "SOFT"],
        "LocalListUpdateTypeEnum": ["Differential", "Full"],
        # Named after what holds them, not the bare field name.
        "RefusalCodeEnum": "chargepoints.api.charging.serializers.REFUSAL_CODES",
        "StopOutcomeEnum": "chargepoints.api.charging.serializers.STOP_OUTCOMES",
        "EstimatedQuantityEnum": "billing.api.prices.ESTIMATED",
        "PriceUnitEnum": "billing.api.serializers.PRICE_UNITS",
    },
    # After the enums are named: constants written in place, RateLimit
    # headers on every answer (csms/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "csms.api.schema.postprocess_schema",
    ],
}

# API tokens (django-rest-knox): stored as a hash, one per device, expiring
# after this many days without use (each use pushes the expiry back).
CSMS_TOKEN_TTL_DAYS = float(os.environ.get("CSMS_TOKEN_TTL_DAYS", "30"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=CSMS_TOKEN_TTL_DAYS),
    "AUTO_REFRESH": True,
    # A user's devices: beyond this many, a login logs out the one unused
    # longest (accounts/services/tokens.py).
    "TOKEN_LIMIT_PER_USER": int(os.environ.get("CSMS_TOKENS_PER_USER", "20")),
}
