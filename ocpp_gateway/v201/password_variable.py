"""OCPP 2.0.1 A01: the charger's Basic auth password is a device-model variable.

SecurityCtrlr.BasicAuthPassword is set by the password rotation only
(ocpp_gateway/v201/commands.py) and is write-only (its mutability in the
device model of part 2's appendix); a charger that reports its value
anyway, in a GetVariables answer or a NotifyReport, reports its credential:
it is masked before anything keeps, logs or applies it.
"""

from ocpp_gateway.credentials import REDACTED, names_alike

PASSWORD_VARIABLE = ("SecurityCtrlr", "BasicAuthPassword")


def is_password(component, variable) -> bool:
    """Whether a component and variable, as objects ``{"name": ...}`` or names, are the password.

    Names are identifierString, compared ignoring case; a lenient charger's
    look-alikes count too (ocpp_gateway.credentials).
    """
    names = [item.get("name") if isinstance(item, dict) else item for item in (component, variable)]
    return all(
        names_alike(name, protected)
        for name, protected in zip(names, PASSWORD_VARIABLE, strict=True)
    )


def _result_masked(result):
    # GetVariableResult: the value is attributeValue.
    if (
        isinstance(result, dict)
        and "attributeValue" in result
        and is_password(result.get("component"), result.get("variable"))
    ):
        return {**result, "attributeValue": REDACTED}
    return result


def _report_masked(item):
    # ReportData: each of variableAttribute may carry a value.
    if not isinstance(item, dict) or not is_password(item.get("component"), item.get("variable")):
        return item
    attributes = item.get("variableAttribute")
    if not isinstance(attributes, list):
        return item
    masked = [
        {**attribute, "value": REDACTED}
        if isinstance(attribute, dict) and "value" in attribute
        else attribute
        for attribute in attributes
    ]
    return {**item, "variableAttribute": masked}


# The lists that may carry a variable's value with its name, and how one of
# their items is masked: GetVariables answers, NotifyReport calls.
_MASKED = {"getVariableResult": _result_masked, "reportData": _report_masked}
# The calls a charger makes that may report it (the rest are logged unread).
REPORTS_SECRETS = frozenset({"NotifyReport"})


def secrets_masked(payload):
    """A payload from the charger as it may be kept and logged: the password's value masked.

    Told by its shape, not its action: a late answer's action is not known
    until its command is found.
    """
    if not isinstance(payload, dict) or not any(key in payload for key in _MASKED):
        return payload
    masked = dict(payload)
    for key, item_masked in _MASKED.items():
        if isinstance(payload.get(key), list):
            masked[key] = [item_masked(item) for item in payload[key]]
    return masked
