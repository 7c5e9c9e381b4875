"""moto's server, with one fix for the local stack's speed (not its behaviour).

moto's `TransactWriteItems` backs up the whole table before applying a transaction, to
restore it if the transaction is cancelled — once *per item of the transaction*: a
transaction of 100 items deep-copies the table 100 times. With a few thousand items in the
table (a bulk invite of 1,000 contacts: a transaction per ten of them), each transaction
took hundreds of milliseconds. Here the backup is taken once per table per transaction (the
same copy moto would have taken first; the later ones were identical, as nothing is written
before the loop ends), so a transaction still restores exactly what it did. Everything else
is moto as installed; scripts/portal_local.py starts this instead of `moto_server`."""
from __future__ import annotations

import copy as _copy
import re
import sys
import threading

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

if __name__ == "__main__":
    from moto.server import main
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
