"""Files: upload slots, uploads through presigned URLs (with the S3 event moto does not
send), the two keys of a file (upload key, stored key), downloads, the bucket's versions,
and a SigV4 check of what an upload URL signs."""
from __future__ import annotations

import struct
import time
import zlib
from urllib.parse import parse_qsl, urlsplit

import requests

import iam_local
import portal_local as pl

PDF = b"%PDF-1.7\n" + b"0" * (1024 * 1024 - 9)  # 1 MiB that starts like a PDF


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image of one colour (browsers show it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def logo_slot(api, size: int, content_type: str = "image/png", status: int = 201):
    """Ask for a logo upload URL as the firm's staff; the slot (or the refusal's response)."""
    r = api.call("POST", "/api/staff/firm/logo", {"size": size, "content_type": content_type}, expect=status)
    return r.json() if status == 201 else r


def land_logo(stack, slot: dict, body: bytes, declared: int | None = None) -> str:
    """Upload a logo through its presigned URL and deliver the S3 event to file-events (moto
    sends none); the outcome. `declared`: the size asked for, when the body is not that."""
    return _land(stack, slot, body, len(body) if declared is None else declared)


def upload_slot(api, prefix: str, client_id: str, body: dict, status: int = 201) -> dict:
    """Ask for an upload slot as staff (`prefix` "staff") or as a contact ("portal")."""
    return api.call("POST", f"/api/{prefix}/clients/{client_id}/files", body, expect=status).json()


def put(slot: dict, body: bytes) -> requests.Response:
    """PUT `body` to the slot's presigned URL with the headers it signed (the length sent is
    the body's: S3, and the local stack, refuse one that is not the signed length)."""
    headers = {k: v for k, v in slot["upload"]["headers"].items() if k != "content-length"}
    return requests.put(slot["upload"]["url"], data=body, headers=headers, timeout=60)


def _land(stack, slot: dict, body: bytes, declared: int) -> str:
    if len(body) == declared:
        r = put(slot, body)
        assert r.status_code == 200, r.text
        version = r.headers.get("x-amz-version-id")
    else:
        # Another length than the URL signed cannot go through it (S3 answers 403
        # SignatureDoesNotMatch; tests/test_portal.py shows it). The object is written by
        # the operator instead, so that file-events' own size check, the second wall, is
        # still what is tested.
        headers = slot["upload"]["headers"]
        version = stack.aws("s3").put_object(Bucket=stack.env["BUCKET_NAME"], Key=upload_key(slot), Body=body,
                                             ContentType=headers["content-type"],
                                             Tagging=headers.get("x-amz-tagging", ""))["VersionId"]
    return deliver(stack, upload_key(slot), len(body), version)


def upload_key(slot: dict) -> str:
    """The key the slot's presigned PUT writes (path-style URL: /bucket/key)."""
    return urlsplit(slot["upload"]["url"]).path.split("/", 2)[2]


def stored_key(slot: dict) -> str:
    """Where the file's approved bytes live: the upload key without its `uploads/` prefix."""
    key = upload_key(slot)
    assert key.startswith("uploads/"), key
    return key.removeprefix("uploads/")


def deliver(stack, key: str, size: int, version: str | None = None) -> str:
    """Deliver one S3 ObjectCreated event (moto sends none) to file-events; its outcome."""
    return pl.invoke(stack.base, "file-events", pl.s3_event(stack.env["BUCKET_NAME"], key, size, version))[0]


def land(stack, slot: dict, body: bytes) -> str:
    """Upload through the presigned URL and deliver the S3 event (naming the version the PUT
    created, as S3 does) to file-events."""
    return _land(stack, slot, body, slot["file"]["size"])


def download(api, prefix: str, client_id: str, file_id: str) -> bytes:
    """Download a file as staff (`prefix` "staff") or a contact ("portal") does."""
    link = api.call("GET", f"/api/{prefix}/clients/{client_id}/files/{file_id}/download", expect=200).json()
    got = requests.get(link["url"], timeout=60)
    assert got.status_code == 200, got.text
    return got.content


def versions(stack, prefix: str) -> list[tuple[str, str]]:
    """Every object version and delete marker under `prefix`: (key, "version" | "marker")."""
    out = stack.aws("s3").list_object_versions(Bucket=stack.env["BUCKET_NAME"], Prefix=prefix)
    return [(v["Key"], "version") for v in out.get("Versions", [])] + [(m["Key"], "marker") for m in out.get("DeleteMarkers", [])]


def verify_sigv4_query(url: str, method: str, headers: dict[str, str], secret: str) -> list[str]:
    """Check the SigV4 query signature with the test secret, as S3 (and the local stack's
    proxy, scripts/iam_local.py) checks it; return the signed header names."""
    u = urlsplit(url)
    sent = {**{k.lower(): str(v) for k, v in headers.items()}, "host": u.netloc}
    refused = iam_local.presigned_refusal(method, f"{u.path}?{u.query}", sent, secret, time.time())
    assert refused is None, refused
    return dict(parse_qsl(u.query, keep_blank_values=True))["X-Amz-SignedHeaders"].split(";")
