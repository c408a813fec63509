"""What each field of the billing API means, for the schema (``Meta.help_texts``).

See csms.api.schema: a field without help_text of its own takes the text of
its name from its serializer's ``Meta.help_texts``.
"""

PART = "{what}, excl. and incl. VAT, in the tariff's currency."

CDR = {
    "id": "The CDR's id (GET /api/v1/cdrs/{id}/).",
    "country_code": "ISO 3166-1 alpha-2 code of the operator that issued it (OCPI).",
    "party_id": "OCPI party id of the operator that issued it.",
    "transaction_id": "The transaction billed (GET /api/v1/transactions/{id}/); null for a "
    "CDR received from a roaming partner.",
    "chargepoint_id": "The charge point charged at; null when not known.",
    "connector_id": "The connector's number on its charge point; null when not known.",
    "location": "Where the session was, as it was then.",
    "started_at": "When the session started.",
    "ended_at": "When the session ended.",
    "currency": "ISO 4217 code of every amount, e.g. EUR.",
    "total_energy_kwh": "Energy charged, in kWh.",
    "total_parking_time_h": "Hours plugged in without charging; null when none was counted.",
    "tariff_ids": "Ids of the tariffs it was priced with (GET /api/v1/tariffs/{id}/).",
    "charging_periods": "The session's periods: from each start on, what was used (OCPI "
    "ChargingPeriod).",
    "auth_method": "How the driver was authorized: AUTH_REQUEST (an id tag the charger asked "
    "about), COMMAND (an app start), WHITELIST (the charger's own list).",
    "credit": "True for a credit note (it reverses an earlier CDR).",
    "credit_reference_id": "For a credit note, the id of the CDR it reverses; empty otherwise.",
    "remark": "A note from the operator; may be empty.",
    "needs_review": "Operators: an operator must check it before it is billed.",
    "last_updated": "When the CDR last changed (RFC 3339, UTC).",
}

LOCATION_BRIEF = {
    "id": "The location's id (OCPI).",
    "name": "Its name then; null when it had none.",
    "address": "Street and number.",
    "city": "City or town.",
    "postal_code": "Postal code; null when none.",
}

CHARGING_PERIOD = {
    "started_at": "When the period starts; it lasts until the next one (or the session's end).",
    "dimensions": "What was used in the period.",
    "tariff_id": "The tariff that priced it; null when the CDR's tariff did.",
}

DIMENSION = {
    "volume": "How much, in the unit of its type.",
}

PERIOD_COSTS = {
    "energy": PART.format(what="The energy") + " Null when not priced.",
    "time": PART.format(what="The charging time") + " Null when not priced.",
    "parking_time": PART.format(what="The parking time") + " Null when not priced.",
    "flat": PART.format(what="The fixed fee") + " Null when not priced.",
}

PRICED_PERIOD = {
    "started_at": "When the period starts.",
    "ended_at": "When it ends.",
    "dimensions": "What was used in the period.",
}

TARIFF_USED = {
    "id": "The tariff's id (GET /api/v1/tariffs/{id}/).",
}

TARIFF = {
    "id": "The tariff's id (GET /api/v1/tariffs/{id}/).",
    "country_code": "ISO 3166-1 alpha-2 code of the operator (OCPI).",
    "party_id": "OCPI party id of the operator.",
    "currency": "ISO 4217 code of its prices, e.g. EUR.",
    "type": "OCPI 2.2.1 TariffType: REGULAR, AD_HOC_PAYMENT, PROFILE_CHEAP, PROFILE_FAST, "
    "PROFILE_GREEN.",
    "elements": "Its elements: the first whose restrictions hold prices each moment.",
    "start_date_time": "From when it applies; null: always has.",
    "end_date_time": "Until when it applies; null: no end.",
    "last_updated": "When the tariff last changed (RFC 3339, UTC).",
}

TARIFF_ELEMENT = {
    "position": "The element's place in the tariff, from 0: the first that applies wins.",
}

ESTIMATE = {
    "energy_kwh": "Energy estimated, in kWh (decimal string).",
    "duration_minutes": "Minutes of charging estimated (decimal string).",
    "parking_minutes": "Minutes plugged in after charging (decimal string).",
    "fixed_cost": PART.format(what="The fixed (per session) part"),
    "energy_cost": PART.format(what="The energy part"),
    "time_cost": PART.format(what="The charging time part"),
    "parking_cost": PART.format(what="The parking time part"),
}

PRICE_QUOTE = {
    "chargepoint_id": "The charge point priced.",
    "connector_id": "The connector's number on it.",
}
