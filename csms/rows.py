"""Row reads and writes for the per-frame hot path, without the ORM's query compiler.

Building SQL is most of what the ORM costs on a small query: reading a
transaction by key took 810 µs through a QuerySet and 83 µs here, on the
same SQLite row (docs/architecture.md rule 10). These helpers build their
SQL once per model and database vendor from the model's own metadata and
convert values with the model's own fields, both ways, so what they read and
write is what the ORM would: the same columns, the same JSON, the same
aware datetimes, on SQLite and PostgreSQL alike.

They do exactly five things: read rows by equality on some columns, tell
which keys have a row, insert many rows, insert one row and read back its
key, update some columns of one row. Everything else stays on
the ORM. No signals fire (the project has none on these models; rule 2).
"""

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connections, models

# The database the hot path uses; routers are not used by the project.
ALIAS = "default"


def _quote(name: str) -> str:
    return connections[ALIAS].ops.quote_name(name)


def _field(model: type[models.Model], name: str):
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _converters(column, connection) -> list:
    """What turns a column's database value into the field's, in the compiler's order:
    the backend's converters, then the field's."""
    return connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def _integer_range(field, connection) -> tuple[int | None, int | None]:
    """The values an integer key can hold; (None, None) for any other key."""
    # A foreign key (or one-to-one) holds the key it points at.
    target = field.target_field if field.is_relation else field
    internal_type = target.get_internal_type()
    if internal_type not in connection.ops.integer_field_ranges:
        return None, None
    return connection.ops.integer_field_range(internal_type)


class RowReader:
    """``SELECT`` rows of ``model`` by equality on ``keys`` (field names), as model instances.

    ``for_update`` locks the row where the database can (PostgreSQL: rows of
    one charger are written by one process at a time; SQLite's write
    transactions are serialised anyway). ``fields`` limits what is read, as
    ``QuerySet.only`` does; the instance defers the rest. ``ignore_case``
    names keys compared as ``LOWER(column) = LOWER(value)``, the form a
    ``Lower()`` index or constraint serves; ``null`` names columns that must
    be NULL.
    """

    def __init__(
        self,
        model: type[models.Model],
        keys: Sequence[str],
        *,
        fields: Sequence[str] | None = None,
        for_update: bool = False,
        ignore_case: Sequence[str] = (),
        null: Sequence[str] = (),
    ):
        self.model = model
        self.keys = [_field(model, key) for key in keys]
        self.ignore_case = {_field(model, name) for name in ignore_case}
        self.null = [_field(model, name) for name in null]
        concrete = model._meta.concrete_fields
        if fields is not None:
            wanted = {_field(model, name).attname for name in fields}
            wanted.add(model._meta.pk.attname)
            concrete = [field for field in concrete if field.attname in wanted]
        self.fields = list(concrete)
        self.attnames = [field.attname for field in self.fields]
        self.for_update = for_update
        self._by_vendor: dict[str, tuple[str, list, list]] = {}

    def _compiled(self, connection):
        compiled = self._by_vendor.get(connection.vendor)
        if compiled is None:
            compiled = self._by_vendor[connection.vendor] = self._compile(connection)
        return compiled

    def _compile(self, connection) -> tuple[str, list, list]:
        table = _quote(self.model._meta.db_table)
        columns = ", ".join(_quote(field.column) for field in self.fields)
        conditions = [
            f"LOWER({_quote(field.column)}) = LOWER(%s)"
            if field in self.ignore_case
            else f"{_quote(field.column)} = %s"
            for field in self.keys
        ]
        conditions += [f"{_quote(field.column)} IS NULL" for field in self.null]
        # Unordered: sorting every match to return the first few would cost
        # the most where a key matches most (a tag shared by a fleet).
        sql = f"SELECT {columns} FROM {table} WHERE {' AND '.join(conditions)}"
        if self.for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        expressions = [field.get_col(self.model._meta.db_table) for field in self.fields]
        converters = [_converters(column, connection) for column in expressions]
        return (
            sql,
            list(zip(expressions, converters, strict=True)),
            [_integer_range(field, connection) for field in self.keys],
        )

    def _in_range(self, values, ranges) -> bool:
        for value, (low, high) in zip(values, ranges, strict=True):
            if type(value) is not int:
                continue
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    def get(self, *values) -> models.Model | None:
        """The row whose keys equal ``values`` (in the order given), or None; any one of them
        where several do."""
        rows = self.all(*values, limit=1)
        return rows[0] if rows else None

    def all(self, *values, limit: int | None = None) -> list[models.Model]:
        """The rows whose keys equal ``values``, in no order; at most ``limit`` of them."""
        connection = connections[ALIAS]
        sql, converters, ranges = self._compiled(connection)
        if not self._in_range(values, ranges):
            # As the ORM answers a lookup no column can hold: no row (a
            # charger's transaction id may be any number).
            return []
        params = [
            field.get_db_prep_value(value, connection)
            for field, value in zip(self.keys, values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
        return [self._instance(row, converters, connection) for row in rows]

    def _instance(self, row, converters, connection) -> models.Model:
        # Inline, not a call per column: every meter value reads a transaction.
        converted = []
        for value, (expression, column_converters) in zip(row, converters, strict=True):
            for converter in column_converters:
                value = converter(value, expression, connection)
            converted.append(value)
        return self.model.from_db(ALIAS, self.attnames, converted)


@cache
def _present_sql(model: type[models.Model], count: int, vendor: str) -> str:
    pk = _quote(model._meta.pk.column)
    placeholders = ", ".join(["%s"] * count)
    return f"SELECT {pk} FROM {_quote(model._meta.db_table)} WHERE {pk} IN ({placeholders})"


def keys_present(model: type[models.Model], keys: Iterable) -> set:
    """Which of these primary keys have a row of ``model``.

    The SQL is built once per number of keys (a batch names a few hundred
    at most).
    """
    keys = list(keys)
    if not keys:
        return set()
    connection = connections[ALIAS]
    pk = model._meta.pk
    sql = _present_sql(model, len(keys), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk.get_db_prep_value(key, connection) for key in keys])
        rows = cursor.fetchall()
    # Back as the ORM gives them (a UUID key is text in SQLite).
    column = pk.get_col(model._meta.db_table)
    converters = _converters(column, connection)
    present = set()
    for (value,) in rows:
        for converter in converters:
            value = converter(value, column, connection)
        present.add(value)
    return present


# Fields whose database value is the Python value itself when it already has
# this type (the field's get_prep_value would only coerce it to that type).
# Anything else (dates, keys, UUIDs, JSON, a value of another type) goes
# through the field. Half the cost of an insert was this preparation.
_PLAIN_TYPES = {
    "CharField": str,
    "TextField": str,
    "FloatField": float,
    "IntegerField": int,
    "SmallIntegerField": int,
    "PositiveSmallIntegerField": int,
    "PositiveIntegerField": int,
    "BigIntegerField": int,
    "BooleanField": bool,
    "AutoField": int,
    "BigAutoField": int,
}


def _plain_type(field) -> type | None:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return None
    if field.is_relation:
        # A foreign key (or one-to-one) is stored as the key it points at.
        return _plain_type(field.target_field)
    plain = _PLAIN_TYPES.get(field.get_internal_type())
    # Only the fields whose class adds nothing of its own (no subclass with its own rules).
    return plain if type(field).__module__ == "django.db.models.fields" else None


def _prepared(fields: list, plain: list, obj: models.Model, add: bool, connection) -> list:
    values = []
    for field, plain_type in zip(fields, plain, strict=True):
        if plain_type is not None:
            value = getattr(obj, field.attname)
            if value is None or type(value) is plain_type:
                values.append(value)
                continue
        values.append(field.get_db_prep_save(field.pre_save(obj, add), connection))
    return values


@cache
def _insert_sql(model: type[models.Model], vendor: str) -> tuple[str, list, list]:
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    fields = [field for field in fields if field is not model._meta.auto_field]
    table = _quote(model._meta.db_table)
    columns = ", ".join(_quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    return sql, fields, [_plain_type(field) for field in fields]


def rows_insert(objects: Iterable[models.Model], *, skip_duplicates: bool = False) -> int:
    """Insert new rows of one model in one statement; their keys are not read back.

    For append-only rows nobody reads in the same call (meter readings, the
    message log). Defaults and ``auto_now_add`` apply as in ``save()``. With
    ``skip_duplicates``, a row that a unique constraint already holds is left
    out (a retransmitted reading) instead of failing the statement.
    """
    objects = list(objects)
    if not objects:
        return 0
    connection = connections[ALIAS]
    sql, fields, plain = _insert_sql(type(objects[0]), connection.vendor)
    if skip_duplicates:
        # The same clause in SQLite (3.24+) and PostgreSQL.
        sql += " ON CONFLICT DO NOTHING"
    params = [_prepared(fields, plain, obj, True, connection) for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(objects)


def row_insert(obj: models.Model) -> models.Model:
    """``save()`` of one new row whose key the database chooses; the key is read back.

    For the rows a call goes on using (a transaction, its connector).
    """
    connection = connections[ALIAS]
    sql, fields, plain = _insert_sql(type(obj), connection.vendor)
    params = _prepared(fields, plain, obj, True, connection)
    auto = obj._meta.auto_field
    returning = auto is not None and connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {_quote(auto.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if auto is not None:
            setattr(obj, auto.attname, cursor.fetchone()[0] if returning else cursor.lastrowid)
    # Saved, as save() leaves it: a later save() updates this row.
    obj._state.adding = False
    obj._state.db = ALIAS
    return obj


@cache
def _update_sql(model: type[models.Model], names: frozenset[str], vendor: str):
    meta = model._meta
    chosen = {_field(model, name) for name in names}
    chosen |= {field for field in meta.concrete_fields if getattr(field, "auto_now", False)}
    chosen = sorted(chosen, key=lambda field: field.column)
    assignments = ", ".join(f"{_quote(field.column)} = %s" for field in chosen)
    sql = f"UPDATE {_quote(meta.db_table)} SET {assignments} WHERE {_quote(meta.pk.column)} = %s"
    return sql, chosen, [_plain_type(field) for field in chosen]


def row_update(obj: models.Model, fields: Iterable[str]) -> int:
    """``save(update_fields=...)`` of one row, plus its ``auto_now`` fields; rows changed."""
    connection = connections[ALIAS]
    # Built once per model and set of fields: the same few updates every frame.
    sql, chosen, plain = _update_sql(type(obj), frozenset(fields), connection.vendor)
    params = _prepared(chosen, plain, obj, False, connection)
    params.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
