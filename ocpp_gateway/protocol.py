"""OCPP-J framing: parsing frames, checking payloads, naming errors per version.

The ``ocpp`` library silently drops frames it cannot parse and maps some
errors differently from the specification, so the gateway frames and
validates itself and uses the library for schemas and dataclasses.
"""

import functools
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path

import fastjsonschema
import ocpp
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from ocpp.messages import Call, CallError, CallResult

SCHEMAS = Path(ocpp.__file__).parent
DRAFT_4 = "http://json-schema.org/draft-04/schema#"


class ErrorKind(Enum):
    """An RPC framework error, independent of how a version spells it."""

    FORMAT = "format"
    RPC_FRAMEWORK = "rpc_framework"
    MESSAGE_TYPE = "message_type"
    PROTOCOL = "protocol"
    OCCURRENCE = "occurrence"
    TYPE = "type"
    PROPERTY = "property"
    NOT_IMPLEMENTED = "not_implemented"
    NOT_SUPPORTED = "not_supported"
    INTERNAL = "internal"
    SECURITY = "security"
    GENERIC = "generic"


# OCPP-J 1.6 §4.2.3 keeps the published misspellings (errata §5.1, §5.2), and
# has no code for a broken RPC frame or an unknown message type.
ERROR_CODES_16 = {
    ErrorKind.FORMAT: "FormationViolation",
    ErrorKind.RPC_FRAMEWORK: "FormationViolation",
    ErrorKind.MESSAGE_TYPE: "GenericError",
    ErrorKind.PROTOCOL: "ProtocolError",
    ErrorKind.OCCURRENCE: "OccurenceConstraintViolation",
    ErrorKind.TYPE: "TypeConstraintViolation",
    ErrorKind.PROPERTY: "PropertyConstraintViolation",
    ErrorKind.NOT_IMPLEMENTED: "NotImplemented",
    ErrorKind.NOT_SUPPORTED: "NotSupported",
    ErrorKind.INTERNAL: "InternalError",
    ErrorKind.SECURITY: "SecurityError",
    ErrorKind.GENERIC: "GenericError",
}
# OCPP 2.0.1 part 4 §4.3 "Valid error codes".
ERROR_CODES_201 = {
    **ERROR_CODES_16,
    ErrorKind.FORMAT: "FormatViolation",
    ErrorKind.RPC_FRAMEWORK: "RpcFrameworkError",
    ErrorKind.MESSAGE_TYPE: "MessageTypeNotSupported",
    ErrorKind.OCCURRENCE: "OccurrenceConstraintViolation",
}
# OCPP 2.0.1 part 4 §4.2.3: the message id to use when the offending one cannot be read.
UNREADABLE_MESSAGE_ID = "-1"
MAX_MESSAGE_ID_LENGTH = 36
MAX_ERROR_DESCRIPTION_LENGTH = 255
# How deep a frame may nest, its own array counted. The deepest schema
# (2.0.1 SetChargingProfile) nests about ten levels; vendor data gets room to
# spare. A deeper frame is refused before anything that recurses (key
# conversion, schema checks, the log) walks it, whatever the stack holds.
MAX_NESTING = 64
# The start of a frame, read without parsing it: [messageTypeId, "messageId", ...
FRAME_START = re.compile(r'^\s*\[\s*(\d+)\s*,\s*"([^"\\]{1,36})"')

# JSON schema keywords -> the error they stand for.
_SCHEMA_ERRORS = {
    "type": ErrorKind.TYPE,
    "required": ErrorKind.OCCURRENCE,
    "minItems": ErrorKind.OCCURRENCE,
    "maxItems": ErrorKind.OCCURRENCE,
    "minProperties": ErrorKind.OCCURRENCE,
    "maxProperties": ErrorKind.OCCURRENCE,
    "additionalProperties": ErrorKind.FORMAT,
    "enum": ErrorKind.PROPERTY,
    "maxLength": ErrorKind.PROPERTY,
    "minLength": ErrorKind.PROPERTY,
    "maximum": ErrorKind.PROPERTY,
    "minimum": ErrorKind.PROPERTY,
    "exclusiveMaximum": ErrorKind.PROPERTY,
    "exclusiveMinimum": ErrorKind.PROPERTY,
    "multipleOf": ErrorKind.PROPERTY,
    "pattern": ErrorKind.PROPERTY,
    "format": ErrorKind.PROPERTY,
}


class FrameError(Exception):
    """A frame or payload that must be answered with a CALLERROR."""

    def __init__(
        self,
        kind: ErrorKind,
        description: str,
        *,
        unique_id: str | None = None,
        answer: bool = True,
    ):
        super().__init__(description)
        self.kind = kind
        self.description = description
        self.unique_id = unique_id
        # A CALLERROR answers a CALL only; a broken answer is logged and dropped.
        self.answer = answer


@dataclass(frozen=True)
class ParsedFrame:
    message: Call | CallResult | CallError
    data: list


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _deeper_than(data, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels; level by level, no recursion."""
    level = [data] if isinstance(data, list | dict) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        inner = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, list | dict):
                    inner.append(child)
        level = inner
    return False


def _too_deep(raw: str | bytes, data) -> bool:
    # Every level opens with a bracket: a frame with few brackets (nearly all
    # of them) is answered by two counts at C speed, without a walk.
    opens = (
        raw.count(b"[") + raw.count(b"{")
        if isinstance(raw, bytes)
        else raw.count("[") + raw.count("{")
    )
    return opens > MAX_NESTING and _deeper_than(data, MAX_NESTING)


def _nested_too_deeply(raw: str | bytes) -> FrameError:
    """The error for a frame nested too deeply, with its message id where that can be read."""
    description = f"Message is nested more than {MAX_NESTING} levels deep"
    text = raw[:100].decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw[:100]
    start = FRAME_START.match(text)
    if start is None:
        # OCPP 2.0.1 part 4 §4.3 RpcFrameworkError: "MessageId could not be read".
        return FrameError(ErrorKind.RPC_FRAMEWORK, description)
    # A CALL whose payload is beyond reason: FormatViolation (2.0.1 part 4
    # §4.3) / FormationViolation (OCPP-J 1.6 §4.2.3), "Payload for Action is
    # syntactically incorrect". An answer of the charger's gets no answer.
    return FrameError(
        ErrorKind.FORMAT,
        description,
        unique_id=start.group(2),
        answer=int(start.group(1)) == Call.message_type_id,
    )


def parse_frame(raw: str | bytes, *, unanswered_types: frozenset[int] = frozenset()) -> ParsedFrame:
    """Parse one OCPP-J frame, or raise FrameError saying what is wrong with it.

    Frames of ``unanswered_types`` are reported as unsupported but must get
    no answer (OCPP 2.1 SEND and CALLRESULTERROR).
    """
    try:
        # NaN and Infinity are not JSON (RFC 8259) and no database stores them.
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError):
        raise FrameError(ErrorKind.RPC_FRAMEWORK, "Message is not valid JSON") from None
    except RecursionError:
        # Past what the decoder's stack holds: no OCPP message nests so.
        raise _nested_too_deeply(raw) from None
    if _too_deep(raw, data):
        raise _nested_too_deeply(raw)
    if not isinstance(data, list) or not data:
        raise FrameError(ErrorKind.RPC_FRAMEWORK, "Message is not a JSON array")
    unique_id = data[1] if len(data) > 1 else None
    readable = isinstance(unique_id, str) and unique_id
    if not readable or len(unique_id) > MAX_MESSAGE_ID_LENGTH:
        raise FrameError(
            ErrorKind.RPC_FRAMEWORK,
            f"MessageId must be a string of 1 to {MAX_MESSAGE_ID_LENGTH} characters",
            # An id that is too long can still be read: answering a CALL with
            # it lets the client match the refusal to its call instead of
            # waiting for an answer (OCPP 1.6 has no id for "unreadable").
            unique_id=unique_id if readable else None,
            answer=not readable or data[0] == Call.message_type_id,
        )
    message_type = data[0]
    if message_type == Call.message_type_id:
        if len(data) != 4 or not isinstance(data[2], str):
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK,
                "A CALL is [2, messageId, action, payload]",
                unique_id=unique_id,
            )
        if not isinstance(data[3], dict):
            raise FrameError(
                ErrorKind.FORMAT, "The payload of a CALL must be a JSON object", unique_id=unique_id
            )
        return ParsedFrame(Call(unique_id, data[2], data[3]), data)
    if message_type == CallResult.message_type_id:
        if len(data) != 3 or not isinstance(data[2], dict):
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK, "A CALLRESULT is [3, messageId, payload]", answer=False
            )
        return ParsedFrame(CallResult(unique_id, data[2]), data)
    if message_type == CallError.message_type_id:
        if len(data) != 5:
            raise FrameError(
                ErrorKind.RPC_FRAMEWORK,
                "A CALLERROR is [4, messageId, errorCode, errorDescription, errorDetails]",
                answer=False,
            )
        return ParsedFrame(CallError(unique_id, *data[2:]), data)
    raise FrameError(
        ErrorKind.MESSAGE_TYPE,
        f"MessageTypeId {message_type!r} is not supported",
        unique_id=unique_id,
        answer=message_type not in unanswered_types,
    )


# Deviations real chargers make that we accept rather than refuse: refusing a
# transaction message makes a charger retry it forever (docs/architecture.md rule 7).
# The BMW wallbox of seed 004 reports "Temperature" in 2.0.1 meter values, a
# measurand only OCPP 1.6 defines.
TOLERATED_ENUM_VALUES = {"measurand": {"Temperature", "RPM"}}


def _tolerated(error) -> bool:
    field = error.absolute_path[-1] if error.absolute_path else None
    return error.validator == "enum" and error.instance in TOLERATED_ENUM_VALUES.get(field, ())


@functools.cache
def _schema(message_type_id: int, action: str, ocpp_version: str) -> dict:
    """The official schema of an action, read once.

    Not the ocpp library's get_validator: it caches one validator per action
    whichever number type the first caller loaded it with, and its own
    clients load some with decimals, so sharing it breaks whichever comes second.
    """
    name = action
    if message_type_id == CallResult.message_type_id:
        name += "Response"
    elif ocpp_version != "1.6":
        name += "Request"
    path = SCHEMAS / f"v{ocpp_version.replace('.', '')}" / "schemas" / f"{name}.json"
    # The 2.x schema files start with a byte order mark.
    return json.loads(path.read_text(encoding="utf-8-sig"))


@functools.cache
def _validator(message_type_id: int, action: str, ocpp_version: str) -> Draft4Validator:
    """The reporting validator: every error, with where it is, to pick the one to answer."""
    return Draft4Validator(_schema(message_type_id, action, ocpp_version))


@functools.cache
def _compiled(message_type_id: int, action: str, ocpp_version: str):
    """The same schema compiled to Python code: a yes/no, ten times faster, for every frame.

    Formats are not checked, as the reporting validator does not check them,
    and defaults are not filled in: the payload is logged as it came.
    """
    # As draft 4, like the reporting validator, whatever the file says: the
    # 2.x files name draft 6, which counts 1.0 as an integer.
    schema = {**_schema(message_type_id, action, ocpp_version), "$schema": DRAFT_4}
    return fastjsonschema.compile(schema, use_default=False, use_formats=False)


def _exact_multiple(error) -> bool:
    # A float cannot tell that 6.3 is a multiple of 0.1 (the 1.6 charging
    # schedules' multipleOf); decimal arithmetic can.
    if error.validator != "multipleOf" or isinstance(error.instance, bool):
        return False
    return Decimal(str(error.instance)) % Decimal(str(error.validator_value)) == 0


def validate_payload(
    *, message_type_id: int, action: str, payload: dict, ocpp_version: str, tolerant: bool = False
) -> None:
    """Check a payload against the official JSON schema of its action.

    ``tolerant`` (for what chargers send) lets the known deviations above pass;
    what we send is always checked strictly.
    """
    try:
        _compiled(message_type_id, action, ocpp_version)(payload)
        return
    except fastjsonschema.JsonSchemaException:
        # Maybe wrong, maybe one of the deviations above: the reporting
        # validator decides, and says where and why.
        pass
    errors = (
        error
        for error in _validator(message_type_id, action, ocpp_version).iter_errors(payload)
        if not _exact_multiple(error)
    )
    if tolerant:
        errors = (error for error in errors if not _tolerated(error))
    error = best_match(errors)
    if error is None:
        return
    kind = _SCHEMA_ERRORS.get(error.validator, ErrorKind.FORMAT)
    where = "/".join(str(part) for part in error.absolute_path) or "payload"
    raise FrameError(kind, f"{where}: {error.message}")


def call_error_frame(
    unique_id: str, code: str, description: str, details: dict | None = None
) -> list:
    return [4, unique_id, code, description[:MAX_ERROR_DESCRIPTION_LENGTH], details or {}]
