"""Request body parsers of the REST API.

DRF's JSON parser answers a body it cannot read with Python's own words
("'utf-8' codec can't decode byte 0xff…", "use sys.set_int_max_str_digits()
to increase the limit"): internals a client cannot act on, in English
whatever the request's language. Here each is a fixed sentence, translated,
still with the code ``parse_error``.
"""

import codecs
import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class _Unreadable(ValueError):
    """A value JSON allows that the API cannot take, said in words."""


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        # Python refuses to convert more than 4300 digits (a denial-of-service guard).
        raise _Unreadable(_("A number in the body has too many digits.")) from None


def _constant(name: str):
    # NaN and Infinity: Python reads them, JSON (RFC 8259 §6) has no such numbers.
    raise _Unreadable(_("The body is not valid JSON: %(name)s is no JSON number.") % {"name": name})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering a body it cannot read in a sentence of the API's own.

    A body nested too deeply to decode is a 400, not a 500: Python's decoder
    recurses once per level, and some thousand nested arrays exhaust the
    stack (issue 15, finding 6).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(
                codecs.getreader(encoding)(stream),
                parse_int=_integer,
                parse_constant=_constant if self.strict else None,
            )
        except UnicodeDecodeError:
            message = _("The body is not %(charset)s text.") % {"charset": _charset(encoding)}
        except json.JSONDecodeError as exc:
            message = _("The body is not valid JSON (line %(line)d, column %(column)d).") % {
                "line": exc.lineno,
                "column": exc.colno,
            }
        except _Unreadable as exc:
            message = str(exc)
        except RecursionError:
            message = _("The body is not valid JSON: it is nested too deeply.")
        except ValueError:
            message = _("The body is not valid JSON.")
        raise ParseError(message)


def _charset(encoding: str) -> str:
    # Django keeps a request's charset only when Python knows it (HttpRequest.encoding).
    return codecs.lookup(encoding).name.upper()


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, answering a body it cannot read in a sentence of the API's own.

    DRF passes on Django's words ("Invalid boundary in multipart: None").
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The body is not valid multipart/form-data.")) from None
