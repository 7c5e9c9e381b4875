"""moto's server, with three fixes for the local stack's speed (not its behaviour).

moto's `TransactWriteItems` backs up the whole table before applying a transaction, to
restore it if the transaction is cancelled — a deep copy of every item, and once *per item
of the transaction*: with a few thousand items in the table (a bulk invite of 1,000
contacts writes a transaction per ten of them) each transaction took most of a second.
Here the backup is of the items the transaction names (their keys), taken before moto
applies anything, and a cancelled or failed transaction puts exactly those back: the same
all-or-nothing result, at the cost of the transaction's own items. Everything else is moto
as installed; scripts/portal_local.py starts this instead of `moto_server`.

Safe because the proxy (scripts/aws_proxy.py) passes the functions' DynamoDB calls to moto
one at a time, so nothing else writes while a transaction is applied.

Second, moto answers a `Query` of a global secondary index by sorting every item of the
table and testing each (moto/dynamodb/models/table.py `Table.query`, through
`all_items()`): a GSI Query costs the size of the table, so the local stack slowed down as
tests and benchmarks filled it (a firm of 10,000 clients: seconds per query), where
DynamoDB reads only the index partition. Here a Query of an index on one string partition
value reads the items of that value only: `all_items()` grouped by the index's partition
attribute, in moto's order, rebuilt whenever anything was written since (a counter every
DynamoDB write bumps), so a query answers exactly what moto would have answered.

Third, the same for a `Query` of the table itself: moto sorts every item of the table to
keep one partition's (seconds per call with 400,000 items: `make bench-scale`); here it is
given that partition's items, from the table's own per-partition dict, in sort-key order."""
from __future__ import annotations

import copy as _copy
import re
import sys
import threading
import weakref

import moto.dynamodb.models as _models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_local = threading.local()


class _LiveTables:
    """`copy` as moto's DynamoDB models see it: during a transaction, the "backup" of a table
    is the table itself (the items it names are backed up here instead)."""

    def __getattr__(self, name):
        return getattr(_copy, name)

    def deepcopy(self, x, *args, **kwargs):
        if getattr(_local, "live", False) and isinstance(x, Table):
            return x
        return _copy.deepcopy(x, *args, **kwargs)


def _key(table: Table, kind: str, op: dict):
    attrs = op["Item"] if kind == "Put" else op["Key"]
    hash_key = DynamoType(attrs[table.hash_key_attr])
    range_key = DynamoType(attrs[table.range_key_attr]) if table.has_range_key else None
    return hash_key, range_key


def _get(table: Table, h, r):
    if table.has_range_key:
        return table.items[h].get(r) if h in table.items else None
    return table.items.get(h)


def _restore(table: Table, h, r, old) -> None:
    if table.has_range_key:
        if old is None:
            if h in table.items:
                table.items[h].pop(r, None)
                if not table.items[h]:
                    del table.items[h]
        else:
            table.items[h][r] = old
    elif old is None:
        table.items.pop(h, None)
    else:
        table.items[h] = old


_original = _models.DynamoDBBackend.transact_write_items


def _transact_write_items(self, transact_items):
    backup = []
    try:
        for item in transact_items:
            kind, op = next(iter(item.items()))
            table = self.tables.get(op.get("TableName"))
            if table is not None:
                h, r = _key(table, kind, op)
                backup.append((table, h, r, _copy.deepcopy(_get(table, h, r))))
    except Exception:  # a shape moto will refuse anyway: moto's own path, whole-table backup
        return _original(self, transact_items)
    _local.live = True
    try:
        return _original(self, transact_items)
    except BaseException:
        for table, h, r, old in reversed(backup):
            _restore(table, h, r, old)
        raise
    finally:
        _local.live = False


_models.copy = _LiveTables()
_models.DynamoDBBackend.transact_write_items = _transact_write_items

# ---- GSI queries by partition ----

_writes = [0]  # bumped after every write of any table
# Per table object, outside it (a transaction's deep copy of the table must not copy it).
_caches: "weakref.WeakKeyDictionary[Table, tuple[int, dict]]" = weakref.WeakKeyDictionary()
_query_lock = threading.Lock()


def _counted(method):
    def write(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            _writes[0] += 1
    return write


for _name in ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items", "create_table",
              "delete_table", "update_table", "execute_statement", "batch_execute_statement", "execute_transaction"):
    if hasattr(_models.DynamoDBBackend, _name):
        setattr(_models.DynamoDBBackend, _name, _counted(getattr(_models.DynamoDBBackend, _name)))


def _group(table: Table, attr: str) -> dict[str, list]:
    """The table's items by their string value of `attr`, each group in `all_items()` order."""
    version = _writes[0]  # read first: a write meanwhile makes what is built here stale
    cache = _caches.get(table)
    if cache is None or cache[0] != version:
        cache = (version, {})
        _caches[table] = cache
    groups = cache[1].get(attr)
    if groups is None:
        groups = {}
        for item in Table.all_items(table):
            v = item.attrs.get(attr)
            if v is not None and v.type == "S":
                groups.setdefault(v.value, []).append(item)
        cache[1][attr] = groups
    return groups


_original_query = Table.query


def _partition(table: Table, hash_key) -> list:
    """The items of one partition of the table, in sort-key order (what `all_items()`
    filtered to the partition gives), read from the partition's own dict."""
    part = table.items.get(hash_key)
    if not part:
        return []
    if not table.range_key_attr:
        return [part]
    return sorted(part.values(), key=lambda x: x.range_key)


def _query(self, *args, **kwargs):
    conditions = kwargs.get("hash_key_conditions") or []
    index_name = kwargs.get("index_name", args[7] if len(args) > 7 else None)
    hash_key = kwargs.get("hash_key", args[0] if args else None)
    if not index_name and hash_key is not None:
        # moto filters `all_items()` — every item of the table, sorted — for one partition.
        with _query_lock:
            subset = _partition(self, hash_key)
            self.all_items = lambda: list(subset)  # this call only (the lock keeps others out)
            try:
                return _original_query(self, *args, **kwargs)
            finally:
                del self.all_items
    if index_name and len(conditions) == 1 and conditions[0][1].type == "S":
        attr, value = conditions[0]
        with _query_lock:
            subset = _group(self, attr).get(value.value, [])
            self.all_items = lambda: list(subset)  # this call only (the lock keeps others out)
            try:
                return _original_query(self, *args, **kwargs)
            finally:
                del self.all_items
    return _original_query(self, *args, **kwargs)


Table.query = _query

if __name__ == "__main__":
    from moto.server import main
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
