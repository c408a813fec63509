"""Examples of the accounts API's bodies: the driver journey of csms.api.examples.

Attached per operation by the views (``examples=``): the serializers of the
accounts API are shared by several operations with different bodies.
"""

from csms.api.examples import (
    DRIVER_ID,
    ID_TAG,
    PHONE,
    REGISTERED_AT,
    TRANSACTION_ID,
    answer,
    asked,
)

PASSWORD = "correct horse battery staple"
USER_VALUE = {
    "id": DRIVER_ID,
    "username": PHONE,
    "phone_number": PHONE,
    "email": "somchai@example.com",
    "first_name": "Somchai",
    "last_name": "Jaidee",
    "status": "ACTIVE",
    "is_operator": False,
    "date_joined": REGISTERED_AT,
}
LOGGED_IN = {
    "token": "8f14e45fceea167a5a36dedd4bea2543b1c9a0f3d6e9d4c1b7f0a2e5c8d3b6a9",
    "expiry": "2027-01-01T19:40:00Z",
    "user": USER_VALUE,
}

USER = [answer("A driver", USER_VALUE)]
ME_UPDATE = [
    asked("A new e-mail address", {"email": "somchai.j@example.com"}),
    answer("Changed", {**USER_VALUE, "email": "somchai.j@example.com"}),
]
USER_UPDATE = [
    asked("Block an account", {"status": "BLOCKED"}),
    answer("Blocked", {**USER_VALUE, "status": "BLOCKED"}),
]
LOGIN = [
    asked("By phone number", {"phone_number": PHONE, "password": PASSWORD}),
    answer("Logged in on this device", LOGGED_IN),
]
REGISTER = [
    asked(
        "A new driver",
        {
            "phone_number": PHONE,
            "password": PASSWORD,
            "first_name": "Somchai",
            "last_name": "Jaidee",
            "email": "somchai@example.com",
        },
    ),
    answer("Signed up and logged in", LOGGED_IN, 201),
]
PASSWORD_RESET_CONFIRM = [
    asked(
        "The code from the text message",
        {"phone_number": PHONE, "code": "482913", "new_password": "a new long passphrase"},
    ),
    answer("A new password; logged in on this device only", LOGGED_IN),
]
TOKEN = [
    answer(
        "This phone",
        {
            "token_key": "8f14e45f",
            "created": "2026-12-01T19:40:00Z",
            "expiry": "2027-01-01T19:40:00Z",
            "current": True,
        },
    )
]

CARD = {
    "cc_masked": "VISA •••• 4242",
    "cc_brand": "VISA",
    "cc_last4": "4242",
    "cc_expirydate": "2028-09-30",
}
PAYMENT_CARD = [
    asked("A card", {"number": "4242 4242 4242 4242", "expiry": "09/28"}),
    answer("Stored", CARD),
]
PROFILE_CHANGE = {
    "timezone": "Asia/Bangkok",
    "chargepoint_sockets": ["IEC_62196_T2", "IEC_62196_T2_COMBO"],
    "tariff_preference": 0.5,
}
PROFILE = [
    asked("Preferences", PROFILE_CHANGE),
    answer(
        "A driver's profile",
        {
            **PROFILE_CHANGE,
            "image": f"https://csms.example.com/api/v1/users/{DRIVER_ID}/photo/",
            **CARD,
        },
    ),
]

VEHICLE_CHANGE = {
    "license_plate": "B-EV 2026",
    "make": "Tesla",
    "model": "Model 3",
    "type": "ELECTRIC",
}
VEHICLE = [
    asked("A car", VEHICLE_CHANGE),
    answer(
        "A driver's car",
        {"id": 7, "user": DRIVER_ID, **VEHICLE_CHANGE, "created_at": "2026-11-30T08:20:00Z"},
    ),
]

ID_TAG_VALUE = {
    "id_token": ID_TAG,
    "token_type": "ISO14443",
    "revoked": False,
    "expiry_date": None,
    "status": "ACCEPTED",
    "created_at": "2026-11-30T08:15:00Z",
    "updated_at": "2026-11-30T08:15:00Z",
}
ID_TAG_ANSWER = [answer("An RFID card", ID_TAG_VALUE)]
ID_TAG_CREATE = [
    asked("An RFID card", {"id_token": ID_TAG, "token_type": "ISO14443"}),
    answer("Added", ID_TAG_VALUE, 201),
    answer("Already yours: unchanged", ID_TAG_VALUE, 200),
]
ID_TAG_BLOCKED = [answer("Blocked", {**ID_TAG_VALUE, "revoked": True, "status": "BLOCKED"})]

NOTIFICATION_SEND = {
    "user": DRIVER_ID,
    "type": "CHARGING_COMPLETED",
    "title": "Charging completed",
    "message": "20.00 kWh at CP-DEMO-16, cost 8.33 EUR.",
}
NOTIFICATION_VALUE = {
    "id": 981,
    **NOTIFICATION_SEND,
    "transaction_id": TRANSACTION_ID,
    "read": False,
    "created_at": "2026-12-02T20:46:31Z",
}
NOTIFICATION = [answer("Charging completed", NOTIFICATION_VALUE)]
NOTIFICATION_CREATE = [
    asked(
        "Maintenance, to everyone",
        {
            "user": None,
            "type": "SYSTEM_MAINTENANCE",
            "title": "Maintenance tonight",
            "message": "The app is read-only from 02:00 to 03:00 UTC.",
        },
    ),
    answer("Sent", NOTIFICATION_VALUE, 201),
]
NOTIFICATION_READ = [answer("Read", {**NOTIFICATION_VALUE, "read": True})]
MARKED = [answer("Three were unread", {"marked": 3})]
