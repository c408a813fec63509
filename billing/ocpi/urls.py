"""/ocpi/: OCPI 2.2.1, CPO role. A trailing slash is accepted everywhere, since
the spec's own examples write both (locations §8.2.1.1)."""

from django.urls import re_path

from billing.ocpi.views import commands, credentials, locations, modules, tokens, versions

app_name = "ocpi"

_ID = r"[^/]+"

urlpatterns = [
    re_path(r"^versions/?$", versions.versions, name="versions"),
    re_path(r"^2\.2\.1/?$", versions.version_details, name="details"),
    re_path(r"^2\.2\.1/credentials/?$", credentials.credentials, name="credentials"),
    re_path(r"^2\.2\.1/locations/?$", locations.location_list, name="locations"),
    re_path(
        rf"^2\.2\.1/locations/(?P<location_id>{_ID})/?$",
        locations.location_detail,
        name="location",
    ),
    re_path(
        rf"^2\.2\.1/locations/(?P<location_id>{_ID})/(?P<evse_uid>{_ID})/?$",
        locations.evse_detail,
        name="evse",
    ),
    re_path(
        rf"^2\.2\.1/locations/(?P<location_id>{_ID})/(?P<evse_uid>{_ID})/(?P<connector_id>{_ID})/?$",
        locations.connector_detail,
        name="connector",
    ),
    re_path(r"^2\.2\.1/tariffs/?$", modules.tariff_list, name="tariffs"),
    re_path(r"^2\.2\.1/sessions/?$", modules.session_list, name="sessions"),
    re_path(r"^2\.2\.1/cdrs/?$", modules.cdr_list, name="cdrs"),
    # Tokens receiver (tokens §12.2.1): the module's URL itself serves nothing.
    re_path(r"^2\.2\.1/tokens/?$", modules.unknown, name="tokens"),
    re_path(
        rf"^2\.2\.1/tokens/(?P<country_code>{_ID})/(?P<party_id>{_ID})/(?P<token_uid>{_ID})/?$",
        tokens.token_detail,
        name="token",
    ),
    # Commands receiver (commands §13.2.1): {commands_endpoint_url}{command}. The
    # URL we give ends in a slash, and a client that adds one more is served too.
    re_path(r"^2\.2\.1/commands/$", modules.unknown, name="commands"),
    re_path(r"^2\.2\.1/commands/+(?P<command>[^/]+)/?$", commands.command, name="command"),
    re_path(r"^(?P<path>.*)$", modules.unknown),
]
