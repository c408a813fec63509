"""Our charge points, tags and tariffs as OCPI 2.2.1 objects.

CDRs keep these as snapshots, and the OCPI interface serves them, so both
name an EVSE or a token the same way.
"""

from typing import Any

from django.conf import settings

from accounts.enums import IdTokenType
from accounts.models import IdTag
from billing.models import OcpiAuthorization, OcpiPartner, Tariff
from chargepoints.evse_ids import evse_emi3_id, evse_number, evse_uid
from chargepoints.models import ChargePoint, Connector, Location, Transaction
from csms.api.fields import rfc3339

# evse_number, evse_uid and evse_emi3_id are the charging app's (chargepoints.evse_ids),
# so that its REST API prints the same EVSE ids OCPI does.


def ocpi_timestamp(value) -> str | None:
    """OCPI 2.2.1 types §16.2 DateTime: the API's RFC 3339 in UTC with "Z", to the
    second (string(25) has no room for microseconds)."""
    return rfc3339(value, timespec="seconds")


def tariff_ocpi(tariff: Tariff) -> dict[str, Any]:
    """An OCPI 2.2.1 Tariff object (tariffs §11.3.1); optional fields left out when unset."""
    data: dict[str, Any] = {
        "country_code": tariff.country_code,
        "party_id": tariff.party_id,
        "id": tariff.id,
        "currency": tariff.currency,
        "type": tariff.type or None,
        "tariff_alt_text": tariff.tariff_alt_text or None,
        "tariff_alt_url": tariff.tariff_alt_url or None,
        "min_price": tariff.min_price,
        "max_price": tariff.max_price,
        "elements": [
            {"price_components": element.price_components, "restrictions": element.restrictions}
            for element in tariff.elements.all()
        ],
        "start_date_time": ocpi_timestamp(tariff.start_date_time),
        "end_date_time": ocpi_timestamp(tariff.end_date_time),
        "energy_mix": tariff.energy_mix,
        "last_updated": ocpi_timestamp(tariff.last_updated),
    }
    for element in data["elements"]:
        if not element["restrictions"]:
            del element["restrictions"]
    return {key: value for key, value in data.items() if value is not None}


def ocpi_connector_id(connector: Connector) -> str:
    """Connector.id within its EVSE (locations §8.3.3)."""
    if connector.evse_id:
        return str(connector.evse_connector_id or 1)
    return "1"


def _country_alpha3(location: Location) -> str:
    return location.country.alpha3 or ""


def _coordinates(chargepoint: ChargePoint) -> dict[str, str]:
    if chargepoint.location_id:
        coordinates = chargepoint.location.coordinates
        return {
            "latitude": f"{float(coordinates['latitude']):.6f}",
            "longitude": f"{float(coordinates['longitude']):.6f}",
        }
    # OCPI 2.2.1 GeoLocation: 5 to 7 decimals.
    return {
        "latitude": f"{chargepoint.latitude or 0:.6f}",
        "longitude": f"{chargepoint.longitude or 0:.6f}",
    }


def cdr_location_ocpi(tx: Transaction) -> dict[str, Any]:
    """OCPI 2.2.1 CdrLocation (CDRs §10.4.3): the site, EVSE and connector of a transaction.

    A charger placed at no location is described by itself: its name, its
    coordinates, and our country.
    """
    chargepoint = tx.chargepoint
    location = chargepoint.location
    connector = tx.connector
    number = evse_number(connector) if connector else 1
    data = {
        "id": location.id if location else chargepoint.chargepoint_id[:36],
        "name": location.name if location else (chargepoint.name or chargepoint.chargepoint_id),
        "address": location.address if location else "",
        "city": location.city if location else "",
        "postal_code": (location.postal_code or None) if location else None,
        "state": (location.state or None) if location else None,
        "country": _country_alpha3(location) if location else "",
        "coordinates": _coordinates(chargepoint),
        "evse_uid": evse_uid(chargepoint.chargepoint_id, number),
        "evse_id": evse_emi3_id(chargepoint.chargepoint_id, number),
        "connector_id": ocpi_connector_id(connector) if connector else "1",
        "connector_standard": connector.standard if connector else "",
        "connector_format": connector.format if connector else "",
        "connector_power_type": connector.power_type if connector else "",
    }
    return {key: value for key, value in data.items() if value is not None}


# OCPP IdTokenType -> OCPI 2.2.1 TokenType (tokens §12.4.4).
_TOKEN_TYPES = {
    IdTokenType.ISO14443: "RFID",
    IdTokenType.ISO15693: "RFID",
    IdTokenType.CENTRAL: "APP_USER",
}


def _started_remotely(tx: Transaction) -> bool:
    return tx.remote_start_id is not None or (
        hasattr(tx, "session") and tx.session.start_command_id is not None
    )


def token_issuer(id_tag: IdTag | None) -> OcpiPartner | None:
    """The roaming partner that issued a tag (billing.models.PartnerToken); None
    for our own drivers' tags and for tokens we do not know."""
    issued = getattr(id_tag, "ocpi_issuer", None) if id_tag is not None else None
    return issued.partner if issued is not None else None


def cdr_token_ocpi(tx: Transaction) -> dict[str, Any]:
    """OCPI 2.2.1 CdrToken (CDRs §10.4.2): the token that started the transaction.

    Country code and party id are those of the eMSP that issued the token:
    the partner's for its tags, ours for our drivers'. A tag sent without
    a type (older chargers send none): an app start is APP_USER, a card RFID.
    """
    uid = (tx.id_token or (tx.id_tag_id or ""))[:36]
    if tx.id_token_type in _TOKEN_TYPES:
        token_type = _TOKEN_TYPES[tx.id_token_type]
    elif not tx.id_token_type:
        token_type = "APP_USER" if _started_remotely(tx) else "RFID"
    else:
        token_type = "OTHER"
    issued = getattr(tx.id_tag, "ocpi_issuer", None) if tx.id_tag is not None else None
    if issued is not None and issued.uid:
        # The Token the eMSP gave us (tokens §12.3.2): its own type and contract.
        return {
            "country_code": issued.country_code,
            "party_id": issued.party_id,
            "uid": issued.uid,
            "type": issued.type,
            "contract_id": issued.contract_id or issued.uid,
        }
    issuer = token_issuer(tx.id_tag)
    if issuer is not None and issuer.country_code and issuer.party_id:
        country_code, party_id = issuer.country_code, issuer.party_id
    else:
        country_code, party_id = settings.CSMS_OCPI_COUNTRY_CODE, settings.CSMS_OCPI_PARTY_ID
    return {
        "country_code": country_code,
        "party_id": party_id,
        "uid": uid,
        "type": token_type,
        "contract_id": uid,
    }


def authorization_ocpi(tx: Transaction) -> tuple[str, str]:
    """OCPI AuthMethod (CDRs §10.4.1) and authorization_reference (tokens §12.3.1)
    of a session and its CDR: the eMSP's answer the transaction started on
    (billing.authority.authorization_link; prefetched by ocpi_sessions) says
    COMMAND for a START_SESSION, AUTH_REQUEST for a real-time yes; else a
    remote start of ours is COMMAND, a tag checked by us WHITELIST."""
    # Our drivers' transactions: no eMSP answered for them, nothing to read.
    linked = None if tx.user_id is not None else next(iter(tx.ocpi_authorizations.all()), None)
    if linked is None:
        return ("COMMAND" if _started_remotely(tx) else "WHITELIST"), ""
    method = "COMMAND" if linked.source == OcpiAuthorization.Source.COMMAND else "AUTH_REQUEST"
    return method, linked.authorization_reference


def ocpi_identity(tx: Transaction) -> tuple[str, str]:
    """The CPO owning a transaction's session and CDR: its location's, else ours."""
    location = tx.chargepoint.location
    if location is not None:
        return location.country_code.upper(), location.party_id.upper()
    return settings.CSMS_OCPI_COUNTRY_CODE, settings.CSMS_OCPI_PARTY_ID
