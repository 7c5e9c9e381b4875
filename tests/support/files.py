"""Files: upload slots, uploads through presigned URLs (with the S3 event moto does not
send), the two keys of a file (upload key, stored key), downloads, the bucket's versions,
and a SigV4 check of what an upload URL signs."""
from __future__ import annotations

import hashlib
import hmac
import struct
import zlib
from urllib.parse import parse_qsl, quote, urlsplit

import requests

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
    r = put(slot, body, send_signed_length=declared is None or declared == len(body))
    assert r.status_code == 200, r.text
    return deliver(stack, upload_key(slot), len(body), r.headers.get("x-amz-version-id"))


def upload_slot(api, prefix: str, client_id: str, body: dict, status: int = 201) -> dict:
    """Ask for an upload slot as staff (`prefix` "staff") or as a contact ("portal")."""
    return api.call("POST", f"/api/{prefix}/clients/{client_id}/files", body, expect=status).json()


def put(slot: dict, body: bytes, send_signed_length: bool = True) -> requests.Response:
    headers = dict(slot["upload"]["headers"])
    if not send_signed_length:
        headers.pop("content-length", None)
    return requests.put(slot["upload"]["url"], data=body, headers=headers, timeout=60)


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
    r = put(slot, body, send_signed_length=len(body) == slot["file"]["size"])
    assert r.status_code == 200, r.text
    return deliver(stack, upload_key(slot), len(body), r.headers.get("x-amz-version-id"))


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
    """Recompute the SigV4 query signature with the test secret; return the signed headers."""
    u = urlsplit(url)
    params = dict(parse_qsl(u.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature")
    signed = params["X-Amz-SignedHeaders"].split(";")
    enc = lambda v: quote(v, safe="-_.~")  # noqa: E731
    canonical_query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    hdrs = {k.lower(): str(v).strip() for k, v in headers.items()}
    hdrs["host"] = u.netloc
    canonical_headers = "".join(f"{h}:{hdrs[h]}\n" for h in signed)
    canonical = "\n".join([method, u.path, canonical_query, canonical_headers, ";".join(signed), "UNSIGNED-PAYLOAD"])
    _, date, region, service, _ = params["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", params["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, signature), "signature does not verify"
    return signed
