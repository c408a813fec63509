"""Query parameters: what each API view reads, and a 400 for anything else.

A filter an integration misspells (``stoped_after``) or one a list does not
have would otherwise be ignored, and every row come back as if filtered.

What a view reads (``query_parameters_known``): on a list, its filterset's
filters (a range filter's suffixed names, ``x_after``/``x_before``),
``ordering`` if it has ``ordering_fields``, and the paginator's parameters,
as the schema documents them; on any request, what the view declares in
``query_parameters`` (a tuple of names it reads itself) and DRF's ``format``.

Where the check runs: in the API's content negotiation, which DRF performs
at the start of every view's ``initial()`` (DEFAULT_CONTENT_NEGOTIATION_CLASS),
so it covers every view under /api/, the library's schema views and views
added later included, with no base class each view must remember. A filter
backend would run only where a generic view filters its queryset (not on
plain APIViews, nor on actions without filters), and a default permission
class is replaced by every view that names its own. It runs before
authentication: a bad query is a 400 whoever sends it; the parameters are
no secret (the schema lists them).

A parameter given twice (``?updated_after=A&updated_after=B``) is a 400 as
well: Django hands a view the last one, so the first would be ignored.
Only filters that take a list (``?status=A&status=B``, django-filter's
MultipleChoiceFilter and the like) may repeat; they are told apart by what
their widget reads, not by a list of filter classes.
"""

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext, ngettext
from rest_framework.mixins import ListModelMixin
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings

from csms.api.problems import Problem

# The URL namespace of the API (csms/urls.py); OCPI has its own rules.
API_NAMESPACE = "api"

# Library views and what they read (drf_spectacular/views.py), and the filter
# backend, named rather than imported: DRF imports this module while it
# defines APIView, which those modules need (a circular import).
LIBRARY_VIEWS = {
    "drf_spectacular.views.SpectacularAPIView": ("lang", "version"),
    "drf_spectacular.views.SpectacularSwaggerView": ("lang", "version"),
}
FILTERSET_BACKEND = "django_filters.rest_framework.backends.DjangoFilterBackend"


def _classes(cls) -> set[str]:
    return {f"{base.__module__}.{base.__qualname__}" for base in cls.__mro__}


def _lists(view, request) -> bool:
    """Whether this request reads a collection, the only kind filtered and paged."""
    if request.method not in ("GET", "HEAD"):
        return False
    if hasattr(view, "action"):  # a viewset: routed as list, or an action with detail=False
        return getattr(view, "detail", None) is False
    return isinstance(view, ListModelMixin)


def _repeatable(widget, names: list[str], name: str) -> set[str]:
    """Which of a filter's ``names`` its widget reads as a list: those given twice, it keeps."""
    if isinstance(widget, type):
        widget = widget()
    probe = QueryDict(mutable=True)
    for each in names:
        probe.setlist(each, ["1", "2"])
    value = widget.value_from_datadict(probe, MultiValueDict(), name)
    # A suffixed widget (a range's _after/_before) reads one value per name.
    values = value if getattr(widget, "suffixes", None) else [value]
    return {each for each, read in zip(names, values, strict=True) if read == ["1", "2"]}


def _filter_names(backend, view) -> tuple[set[str], set[str]]:
    """The names ``backend`` reads on ``view``, and those of them that may repeat."""
    if FILTERSET_BACKEND in _classes(backend):
        filterset = getattr(view, "filterset_class", None)
        queryset = getattr(view, "queryset", None)
        if filterset is None and getattr(view, "filterset_fields", None) and queryset is not None:
            filterset = backend().get_filterset_class(view, queryset)
        if filterset is None:
            return set(), set()
        names, repeatable = set(), set()
        for name, declared in filterset.base_filters.items():
            widget = declared.extra.get("widget") or declared.field_class.widget
            suffixes = getattr(widget, "suffixes", None)
            own = [f"{name}_{suffix}" if suffix else name for suffix in suffixes or [""]]
            names |= set(own)
            repeatable |= _repeatable(widget, own, name)
        return names, repeatable
    # Other backends (ordering, search) say what they read in the schema they document.
    parameters = backend().get_schema_operation_parameters(view)
    return {parameter["name"] for parameter in parameters}, set()


def _reads(view, request) -> tuple[set[str], set[str]]:
    known, repeatable = set(getattr(view, "query_parameters", ())), set()
    for library_view in _classes(type(view)) & LIBRARY_VIEWS.keys():
        known |= set(LIBRARY_VIEWS[library_view])
    if api_settings.URL_FORMAT_OVERRIDE:
        known.add(api_settings.URL_FORMAT_OVERRIDE)
    if _lists(view, request):
        for backend in getattr(view, "filter_backends", ()):
            names, multiple = _filter_names(backend, view)
            known |= names
            repeatable |= multiple
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            known |= {p["name"] for p in paginator.get_schema_operation_parameters(view)}
    return known, repeatable


def query_parameters_known(view, request) -> set[str]:
    """The query parameters ``view`` reads when it answers ``request``."""
    return _reads(view, request)[0]


def query_parameters_check(view, request) -> None:
    """Refuse a request to the API with a query parameter its view does not read, or reads once."""
    match = getattr(request, "resolver_match", None)
    if match is None or API_NAMESPACE not in match.namespaces:
        return
    known, repeatable = _reads(view, request)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        detail = ngettext(
            "Unknown query parameter: %(names)s.",
            "Unknown query parameters: %(names)s.",
            len(unknown),
        ) % {"names": ", ".join(unknown)}
        raise Problem(
            detail + " " + gettext("The API documentation lists what each operation takes."),
            code="unknown_query_parameter",
            parameters=unknown,
        )
    repeated = sorted(
        name
        for name, values in request.query_params.lists()
        if len(values) > 1 and name not in repeatable
    )
    if repeated:
        detail = ngettext(
            "Query parameter given more than once: %(names)s.",
            "Query parameters given more than once: %(names)s.",
            len(repeated),
        ) % {"names": ", ".join(repeated)}
        raise Problem(
            detail + " " + gettext("Give each once."),
            code="repeated_query_parameter",
            parameters=repeated,
        )


class QueryCheckingNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, then the query check (see the module's docstring for why here)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if view is not None:
            # Set as DRF would, so that the refusal is rendered as negotiated.
            request.accepted_renderer, request.accepted_media_type = renderer, media_type
            query_parameters_check(view, request)
        return renderer, media_type
