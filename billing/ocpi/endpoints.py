"""Where a registered partner's OCPI 2.2.1 modules are, as its version details said."""

from billing.models import OcpiPartner


def partner_endpoint(partner: OcpiPartner, module: str, role: str = "RECEIVER") -> str | None:
    """The URL of ``partner``'s ``module`` interface in ``role`` (version information §6.2.2:
    SENDER or RECEIVER); None when it has none, or is not registered.

    A partner that lists a module without a role (an OCPI 2.1.1 habit) is taken
    at its word for either role.
    """
    if partner.status != OcpiPartner.Status.REGISTERED:
        return None
    fallback = None
    for endpoint in partner.endpoints or []:
        if not isinstance(endpoint, dict) or endpoint.get("identifier") != module:
            continue
        url = endpoint.get("url")
        if not isinstance(url, str):
            continue
        if endpoint.get("role") == role:
            return url
        if "role" not in endpoint and fallback is None:
            fallback = url
    return fallback
