"""The admin dashboard's registry: what each app shows on the front page and charger page.

csms knows no app (the import contracts of pyproject.toml), yet the front page
shows chargers (chargepoints), revenue (billing) and OCPP messages
(ocpp_gateway). So, the way apps register ModelAdmins, each app registers its
figures, charts, tables and panels here from its admin module at start-up,
each with the permission a staff user needs to see it. The admin site
(csms/admin_site.py) renders and serves only what the user may see.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One number on the front page, linking to the admin list it was counted from."""

    key: str
    label: str
    value: Any
    url: str = ""
    # "alert" figures are highlighted when not zero.
    tone: str = ""


@dataclass(frozen=True)
class FigureGroup:
    """Figures computed together (one query or a few) under one heading and one permission."""

    section: str
    permission: str
    compute: Callable[[], list[Figure]]
    order: int = 100


@dataclass(frozen=True)
class Chart:
    """A chart drawn in the browser (Chart.js) from the JSON that ``data`` returns.

    ``data`` takes the query parameters of the chart's endpoint (a scope such
    as ``location`` or ``chargepoint``) and returns
    ``{"labels": [...], "datasets": [{"label": ..., "data": [...]}]}``.
    """

    name: str
    title: str
    permission: str
    data: Callable[[dict[str, str]], dict]
    kind: str = "bar"
    order: int = 100
    # Drawn on the front page; others only where a page asks for them.
    on_front_page: bool = True


@dataclass(frozen=True)
class Table:
    """Rows listed on the front page, e.g. the active sessions."""

    key: str
    title: str
    permission: str
    columns: list[tuple[str, str]]
    rows: Callable[[], list[dict]]
    # Each row's "id" is written as data-<row_attribute> on its <tr>.
    row_attribute: str = "row"
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A block of the charger page another app provides (its HTML, escaped by its maker)."""

    key: str
    title: str
    permission: str
    render: Callable[[Any], str]
    order: int = 100


@dataclass(frozen=True)
class MapLayer:
    """Markers for the front page's map: [{"name", "latitude", "longitude", "url", "text"}]."""

    permission: str
    markers: Callable[[], list[dict]]


@dataclass(frozen=True)
class ChartScope:
    """A parameter that narrows the charts, e.g. one location: ?<param>=<value>.

    Asking for a scope needs its permission, whatever the chart's: otherwise
    a chart's 200 or 404 would tell who may not see chargers which ids exist.
    With ``options`` the front page offers the scope as a choice; without,
    only pages that know the value use it (the charger page its charger).
    """

    param: str
    label: str
    permission: str
    options: Callable[[], list[tuple[str, str]]] | None = None


@dataclass
class Dashboard:
    figure_groups: list[FigureGroup] = field(default_factory=list)
    charts: dict[str, Chart] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    panels: dict[str, list[Panel]] = field(default_factory=dict)
    map_layers: list[MapLayer] = field(default_factory=list)
    scopes: list[ChartScope] = field(default_factory=list)

    def register_figures(self, group: FigureGroup) -> None:
        self.figure_groups.append(group)
        self.figure_groups.sort(key=lambda g: g.order)

    def register_chart(self, chart: Chart) -> None:
        if chart.name in self.charts:
            raise ValueError(f"A chart named {chart.name!r} is registered already.")
        self.charts[chart.name] = chart

    def register_table(self, table: Table) -> None:
        self.tables.append(table)
        self.tables.sort(key=lambda t: t.order)

    def register_panel(self, page: str, panel: Panel) -> None:
        """A panel of a page, e.g. page "chargepoints.chargepoint" (the charger page)."""
        panels = self.panels.setdefault(page, [])
        panels.append(panel)
        panels.sort(key=lambda p: p.order)

    def register_map_layer(self, layer: MapLayer) -> None:
        self.map_layers.append(layer)

    def register_scope(self, scope: ChartScope) -> None:
        self.scopes.append(scope)

    # What one user may see.

    def figures_for(self, user) -> list[tuple[str, list[Figure]]]:
        sections: dict[str, list[Figure]] = {}
        for group in self.figure_groups:
            if user.has_perm(group.permission):
                sections.setdefault(group.section, []).extend(group.compute())
        return list(sections.items())

    def charts_for(self, user, *, front_page: bool = True) -> list[Chart]:
        charts = sorted(self.charts.values(), key=lambda c: c.order)
        return [
            c for c in charts if user.has_perm(c.permission) and (c.on_front_page or not front_page)
        ]

    def tables_for(self, user) -> list[tuple[Table, list[dict]]]:
        return [(t, t.rows()) for t in self.tables if user.has_perm(t.permission)]

    def panels_for(self, page: str, user, obj) -> list[tuple[Panel, str]]:
        panels = self.panels.get(page, [])
        return [(p, p.render(obj)) for p in panels if user.has_perm(p.permission)]

    def scopes_for(self, user) -> list[tuple[ChartScope, list[tuple[str, str]]]]:
        return [
            (s, s.options())
            for s in self.scopes
            if s.options is not None and user.has_perm(s.permission)
        ]

    def chart_params(self, user, query: dict[str, str]) -> dict[str, str] | None:
        """The scopes a chart is asked for, or None when one of them is not the user's to ask."""
        asked = {s.param: s for s in self.scopes if query.get(s.param)}
        if not all(user.has_perm(scope.permission) for scope in asked.values()):
            return None
        return {param: query[param] for param in asked}

    def markers_for(self, user) -> list[dict]:
        return [
            m
            for layer in self.map_layers
            if user.has_perm(layer.permission)
            for m in layer.markers()
        ]


dashboard = Dashboard()
