"""What each field of the accounts API means, for the schema (``Meta.help_texts``).

See csms.api.schema: a field without help_text of its own takes the text of
its name from its serializer's ``Meta.help_texts``.
"""

PHONE = 'Phone number in E.164 form, e.g. "+66812345678".'
PASSWORD = "The password, as typed (spaces count); at least the site's minimum length."

USER = {
    "id": "The account's id (GET /api/v1/users/{id}/ for operators).",
    "phone_number": PHONE + " Null for accounts made without one (operators).",
    "email": "E-mail address; may be empty.",
    "first_name": "Given name; may be empty.",
    "last_name": "Family name; may be empty.",
    "status": "ACTIVE; BLOCKED or EXPIRED accounts cannot log in or charge.",
    "date_joined": "When the account was made.",
}

USER_STATUS = {
    "status": "The account's new status: ACTIVE, BLOCKED (cannot log in or charge) or EXPIRED.",
}

LOGIN = {
    "phone_number": PHONE + " Give this or username.",
    "username": "The username (operators' accounts); give this or phone_number.",
    "password": "The password, as typed (spaces count).",
}

REGISTER = {
    "phone_number": PHONE + " Logs in from now on; one account per number.",
    "password": PASSWORD,
    "first_name": "Given name; optional.",
    "last_name": "Family name; optional.",
    "email": "E-mail address; optional.",
}

AUTH_TOKEN = {
    "user": "The account logged in.",
}

TOKEN = {
    "created": "When the device logged in.",
    "expiry": "When the token stops working unless used (each use pushes it back); null: never.",
}

PASSWORD_RESET_REQUESTED = {
    "detail": "What happens now, in words (the same whether the number has an account or not).",
}

PASSWORD_RESET_CONFIRM = {
    "phone_number": PHONE + " The number the code was sent to.",
    "new_password": PASSWORD,
}

CARD = {
    "cc_masked": 'The card as shown to people: brand and last four digits ("VISA •••• 4242"); '
    "empty when no card is stored.",
    "cc_brand": 'Card brand, e.g. "VISA"; empty when no card is stored.',
    "cc_last4": "The card number's last four digits; empty when no card is stored.",
    "cc_expirydate": "The last day the card is valid (YYYY-MM-DD); null when no card is stored.",
}

PROFILE = {
    **CARD,
    "timezone": 'The driver\'s time zone, IANA name (e.g. "Asia/Bangkok"); energy totals '
    "count days in it.",
    "tariff_preference": "The highest price per kWh the driver accepts, in the tariff's "
    "currency; null for no limit.",
}

VEHICLE = {
    "id": "The vehicle's id (give it as `vehicle` when starting a session).",
    "license_plate": "The license plate, unique across the CSMS.",
    "make": 'Maker, e.g. "Tesla"; may be empty.',
    "model": 'Model, e.g. "Model 3"; may be empty.',
    "type": "ELECTRIC, PLUGIN_HYBRID or HYBRID.",
    "created_at": "When it was added.",
}

ID_TAG = {
    "id_token": "The tag's value (RFID uid or app token), as a charger reads it; its id in "
    "/api/v1/id-tags/{id_token}/.",
    "token_type": "OCPP 2.0.1 IdToken type, in OCPP's spelling (ISO14443 for most RFID cards); "
    "null for OCPP 1.6 tags.",
    "revoked": "Blocked by its owner or an operator (POST .../block/); chargers refuse it.",
    "expiry_date": "When the tag stops being accepted; null: never.",
    "status": "Whether a charger would accept this tag now: ACCEPTED, BLOCKED or EXPIRED "
    "(OCPP's AuthorizationStatus, spelled as the API spells its enums).",
    "created_at": "When it was added.",
    "updated_at": "When it last changed (blocked, given an expiry, moved to another owner); "
    "what `?updated_after=` compares.",
}

NOTIFICATION = {
    "id": "The notification's id.",
    "type": "What it is about: CHARGING_STARTED, CHARGING_STOPPED, CHARGING_COMPLETED, "
    "PAYMENT_REQUIRED, SYSTEM_MAINTENANCE, GENERAL.",
    "title": "A short title to show.",
    "message": "The text to show.",
    "transaction_id": "Id of the transaction it is about (GET /api/v1/transactions/{id}/); "
    "null when none.",
    "created_at": "When it was sent.",
}
