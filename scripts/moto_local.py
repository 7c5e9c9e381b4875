"""moto's server, with two fixes for the local stack's speed (not its behaviour).

moto's `TransactWriteItems` backs up the whole table before applying a transaction, to
restore it if the transaction is cancelled — once *per item of the transaction*: a
transaction of 100 items deep-copies the table 100 times. With a few thousand items in the
table (a bulk invite of 1,000 contacts: a transaction per ten of them), each transaction
took hundreds of milliseconds. Here the backup is taken once per table per transaction (the
same copy moto would have taken first; the later ones were identical, as nothing is written
before the loop ends), so a transaction still restores exactly what it did. Everything else
is moto as installed; scripts/portal_local.py starts this instead of `moto_server`.

Second, moto answers a `Query` of a global secondary index by sorting every item of the
table and testing each (moto/dynamodb/models/table.py `Table.query`, through
`all_items()`): a GSI Query costs the size of the table, so the local stack slowed down as
tests and benchmarks filled it (a firm of 10,000 clients: seconds per query), where
DynamoDB reads only the index partition. Here a Query of an index on one string partition
value reads the items of that value only: `all_items()` grouped by the index's partition
attribute, in moto's order, rebuilt whenever anything was written since (a counter every
DynamoDB write bumps), so a query answers exactly what moto would have answered."""
from __future__ import annotations

import copy as _copy
import re
import sys
import threading
import weakref

import moto.dynamodb.models as _models
from moto.dynamodb.models.table import Table

_local = threading.local()


class _CopyOncePerTransaction:
    """`copy` as moto's DynamoDB models see it: a table deep-copied again within the same
    transaction gets the copy already taken."""

    def __getattr__(self, name):
        return getattr(_copy, name)

    def deepcopy(self, x, *args, **kwargs):
        memo = getattr(_local, "tables", None)
        if memo is None or not isinstance(x, Table):
            return _copy.deepcopy(x, *args, **kwargs)
        if id(x) not in memo:
            memo[id(x)] = _copy.deepcopy(x, *args, **kwargs)
        return memo[id(x)]


_original = _models.DynamoDBBackend.transact_write_items


def _transact_write_items(self, transact_items):
    _local.tables = {}
    try:
        return _original(self, transact_items)
    finally:
        _local.tables = None


_models.copy = _CopyOncePerTransaction()
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


def _query(self, *args, **kwargs):
    conditions = kwargs.get("hash_key_conditions") or []
    index_name = kwargs.get("index_name", args[7] if len(args) > 7 else None)
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
