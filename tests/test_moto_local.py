"""scripts/moto_local.py: the local emulator's queries (of an index or of the table) read
their partition only, and
still answer exactly what moto answers — in order, paged, and fresh after every kind of
write (a stale index would make every test built on it lie)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer

import portal_local as pl


@pytest.fixture(scope="module")
def db():
    port = pl.free_port()
    proc = pl.start_moto(port, Path(tempfile.mkdtemp(prefix="moto-local-")) / "moto.log")
    try:
        client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name=pl.REGION, **pl.CREDS)
        client.create_table(
            TableName="t", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "G", "GS")],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "IDX", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"}, {"AttributeName": "GS", "KeyType": "RANGE"}]}])
        ser = TypeSerializer()
        items = [{"PK": f"p{i}", "SK": "x", "G": f"g{i % 7}", "GS": f"s{i:05d}"} for i in range(700)]
        for k in range(0, len(items), 25):
            client.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": {a: ser.serialize(v) for a, v in it.items()}}}
                                                        for it in items[k:k + 25]]})
        yield client
    finally:
        pl.stop(proc)


def pks(db, g: str, **kw) -> list[str]:
    out = db.query(TableName="t", IndexName="IDX", KeyConditionExpression="G = :g", ExpressionAttributeValues={":g": {"S": g}}, **kw)
    return [i["PK"]["S"] for i in out["Items"]]


def test_an_index_query_answers_its_partition_in_order_and_in_pages(db):
    assert pks(db, "g3") == [f"p{i}" for i in range(700) if i % 7 == 3]
    assert pks(db, "g3", Limit=3, ScanIndexForward=False) == ["p696", "p689", "p682"]
    first = db.query(TableName="t", IndexName="IDX", KeyConditionExpression="G = :g", ExpressionAttributeValues={":g": {"S": "g3"}}, Limit=2)
    rest = pks(db, "g3", ExclusiveStartKey=first["LastEvaluatedKey"], Limit=2)
    assert rest == ["p17", "p24"]
    assert pks(db, "nothing") == []


def test_an_index_query_sees_every_write_at_once(db):
    db.update_item(TableName="t", Key={"PK": {"S": "p8"}, "SK": {"S": "x"}}, UpdateExpression="SET G = :n",
                   ExpressionAttributeValues={":n": {"S": "moved"}})
    assert pks(db, "moved") == ["p8"] and "p8" not in pks(db, "g1")
    db.delete_item(TableName="t", Key={"PK": {"S": "p8"}, "SK": {"S": "x"}})
    assert pks(db, "moved") == []
    db.put_item(TableName="t", Item={"PK": {"S": "new"}, "SK": {"S": "x"}, "G": {"S": "g1"}, "GS": {"S": "zz"}})
    assert pks(db, "g1")[-1] == "new"
    db.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t", "Item": {"PK": {"S": "tx"}, "SK": {"S": "x"}, "G": {"S": "gtx"}, "GS": {"S": "a"}}}},
        {"Update": {"TableName": "t", "Key": {"PK": {"S": "new"}, "SK": {"S": "x"}}, "UpdateExpression": "REMOVE G"}}])
    assert pks(db, "gtx") == ["tx"] and "new" not in pks(db, "g1")
    # A cancelled transaction changes nothing, in the index too.
    with pytest.raises(db.exceptions.TransactionCanceledException):
        db.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t", "Item": {"PK": {"S": "tx2"}, "SK": {"S": "x"}, "G": {"S": "gtx"}, "GS": {"S": "b"}}}},
            {"ConditionCheck": {"TableName": "t", "Key": {"PK": {"S": "tx"}, "SK": {"S": "x"}}, "ConditionExpression": "attribute_not_exists(PK)"}}])
    assert pks(db, "gtx") == ["tx"]


def test_a_table_query_answers_its_partition_in_order_and_in_pages(db):
    ser = TypeSerializer()
    rows = [{"PK": "part", "SK": f"k{n:03d}", "V": str(n)} for n in (5, 1, 3, 2, 4)]
    for r in rows:
        db.put_item(TableName="t", Item={a: ser.serialize(v) for a, v in r.items()})
    q = lambda **kw: [i["SK"]["S"] for i in db.query(TableName="t", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "part"}}, **kw)["Items"]]
    assert q() == ["k001", "k002", "k003", "k004", "k005"]
    assert q(ScanIndexForward=False, Limit=2) == ["k005", "k004"]
    first = db.query(TableName="t", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "part"}}, Limit=2)
    assert q(ExclusiveStartKey=first["LastEvaluatedKey"]) == ["k003", "k004", "k005"]
    between = db.query(TableName="t", KeyConditionExpression="PK = :p AND SK BETWEEN :a AND :b",
                       ExpressionAttributeValues={":p": {"S": "part"}, ":a": {"S": "k002"}, ":b": {"S": "k004"}})
    assert [i["V"]["S"] for i in between["Items"]] == ["2", "3", "4"]
    db.delete_item(TableName="t", Key={"PK": {"S": "part"}, "SK": {"S": "k003"}})
    assert q() == ["k001", "k002", "k004", "k005"]
    assert db.query(TableName="t", KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "none"}})["Items"] == []
