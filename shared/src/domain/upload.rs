//! What may be uploaded and how it is named and stored: the portal's limits, accepted
//! types, the server-chosen object keys, file-name cleaning and the first-bytes check.
//! Pure rules; the upload flow is `ops::files`.
//!
//! # Two keys per file
//!
//! A presigned `PUT` stays valid for its whole lifetime and can be replayed, so the bytes
//! people download and sign never live where an upload URL can write:
//!
//! - [`upload_key`] — `uploads/firms/<f>/clients/<c>/files/<id>`: the only prefix any upload
//!   URL is issued for ([`UPLOAD_PREFIX`]), the only prefix the bucket notifies `file-events`
//!   of, and expired by the bucket's lifecycle within a day. Nothing reads it but the check.
//! - [`stored_key`] — `firms/<f>/clients/<c>/files/<id>`: the approved bytes, written only by
//!   `file-events` (a copy of exactly the object version it checked). Downloads, signature
//!   hashing and attachments read only this key.
//!
//! [`parse_upload_key`] accepts an upload key and nothing else, so an event for a stored key
//! (or any other) is never treated as an upload.

use serde::Deserialize;

use crate::error::{Error, FieldError, Result};

pub const UPLOAD_URL_SECONDS: u64 = 15 * 60;

pub const DOWNLOAD_URL_SECONDS: u64 = 5 * 60;

/// One presigned PUT can carry at most 5 GiB; we stay just under it, as the reference does.
pub const MAX_UPLOAD_BYTES: u64 = 5 * 1024 * 1024 * 1024 - 1;

pub const PENDING_TTL_SECONDS: i64 = 24 * 3600;

/// The tag every upload carries (see the bucket's lifecycle: an object tagged so expires
/// wherever it is). The approved copy is written without it.
pub const PENDING_TAG: &str = "upload=pending";

/// One type the portal accepts: the documents an accounting firm exchanges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    /// The type the file is recorded, signed, checked and served as.
    pub mime: &'static str,
    /// The file-name extensions (lower case, no dot) of such a file.
    pub extensions: &'static [&'static str],
    /// Other types browsers and operating systems declare for a file with one of those
    /// extensions. On Windows the browser takes a file's type from the registry, so a
    /// machine with Excel declares every `.csv` as `application/vnd.ms-excel`, and ZIP
    /// archives as `application/x-zip-compressed`.
    pub also_declared_as: &'static [&'static str],
    /// How the UI names it.
    pub label: &'static str,
}

/// What may be uploaded. A type is decided by the declared type and the file name's
/// extension together ([`decide_type`]), then confirmed by the content ([`sniff_matches`]).
pub const FILE_TYPES: &[FileType] = &[
    FileType { mime: "application/pdf", extensions: &["pdf"], also_declared_as: &["application/x-pdf"], label: "PDF" },
    FileType { mime: "image/jpeg", extensions: &["jpg", "jpeg"], also_declared_as: &["image/jpg", "image/pjpeg"], label: "JPEG" },
    FileType { mime: "image/png", extensions: &["png"], also_declared_as: &["image/x-png"], label: "PNG" },
    FileType { mime: "image/gif", extensions: &["gif"], also_declared_as: &[], label: "GIF" },
    FileType { mime: "image/tiff", extensions: &["tif", "tiff"], also_declared_as: &[], label: "TIFF" },
    FileType { mime: "image/heic", extensions: &["heic", "heif"], also_declared_as: &["image/heif"], label: "HEIC" },
    FileType { mime: "text/plain", extensions: &["txt"], also_declared_as: &[], label: "text" },
    FileType {
        mime: "text/csv",
        extensions: &["csv"],
        also_declared_as: &["application/vnd.ms-excel", "text/plain", "application/csv", "application/x-csv", "text/x-csv", "text/comma-separated-values"],
        label: "CSV",
    },
    FileType { mime: "application/zip", extensions: &["zip"], also_declared_as: &["application/x-zip-compressed", "application/x-zip"], label: "ZIP" },
    FileType { mime: "application/msword", extensions: &["doc"], also_declared_as: &[], label: "Word" },
    FileType { mime: "application/vnd.ms-excel", extensions: &["xls"], also_declared_as: &[], label: "Excel" },
    FileType { mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", extensions: &["docx"], also_declared_as: &[], label: "Word" },
    FileType { mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", extensions: &["xlsx"], also_declared_as: &[], label: "Excel" },
    FileType {
        mime: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extensions: &["pptx"],
        also_declared_as: &[],
        label: "PowerPoint",
    },
];

/// What a file of unknown type is declared as (and what the web UI sends when the browser
/// names no type).
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// The accepted types in words, for error messages (the web UI says the same).
pub const ACCEPTED_IN_WORDS: &str = "PDF, images (JPEG, PNG, GIF, TIFF, HEIC), text, CSV, ZIP and Office documents (Word, Excel, PowerPoint)";

/// The value of a file input's `accept` attribute: every accepted extension, then every
/// accepted type (the web UI carries this exact string; the `web` function's tests compare).
pub fn accept_attribute() -> String {
    let exts = FILE_TYPES.iter().flat_map(|t| t.extensions.iter().map(|e| format!(".{e}")));
    let mimes = FILE_TYPES.iter().map(|t| t.mime.to_string());
    exts.chain(mimes).collect::<Vec<_>>().join(",")
}

/// The type an upload is recorded as, from its declared type and its name together; `None`
/// when it is not accepted.
///
/// - The name's extension names an accepted type and the declaration agrees with it, or is
///   one of the other types systems declare for that extension, or says nothing
///   (`application/octet-stream`): the extension's type. A `.csv` from Windows
///   (`application/vnd.ms-excel`) is a CSV.
/// - Otherwise an accepted declared type stands as declared.
///
/// Either way `file-events` then checks the first bytes against the decided type, so a
/// name cannot smuggle in other content: a real Excel workbook named `.csv` is refused.
pub fn decide_type(name: &str, declared: &str) -> Option<&'static str> {
    let declared = normalize_type(declared);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if let Some(by_name) = ext.and_then(|e| FILE_TYPES.iter().find(|t| t.extensions.contains(&e.as_str()))) {
        if declared == by_name.mime || declared == UNKNOWN_TYPE || by_name.also_declared_as.contains(&declared.as_str()) {
            return Some(by_name.mime);
        }
    }
    FILE_TYPES.iter().find(|t| t.mime == declared).map(|t| t.mime)
}

/// `Text/CSV; charset=utf-8` → `text/csv`.
fn normalize_type(ct: &str) -> String {
    ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// A file name safe to show and to put in `Content-Disposition`: no directories, no
/// control or quote characters, at most 200 characters.
pub fn clean_name(raw: &str) -> std::result::Result<String, FieldError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return Err(FieldError::new("name", "is required: the file's name, e.g. 2026-W2.pdf"));
    }
    Ok(cleaned.chars().take(200).collect())
}

/// The prefix of every upload key: the only one a presigned `PUT` is ever issued for.
pub const UPLOAD_PREFIX: &str = "uploads/";

/// Where a file's approved bytes live: chosen by the server, never derived from user input,
/// and written only by `file-events` (no upload URL is ever issued for it).
pub fn stored_key(firm_id: &str, client_id: &str, file_id: &str) -> String {
    format!("firms/{firm_id}/clients/{client_id}/files/{file_id}")
}

/// Where the browser uploads a file: under [`UPLOAD_PREFIX`], checked by `file-events`
/// and never read by anyone else.
pub fn upload_key(firm_id: &str, client_id: &str, file_id: &str) -> String {
    format!("{UPLOAD_PREFIX}{}", stored_key(firm_id, client_id, file_id))
}

/// `(firm_id, client_id, file_id)` from an upload key this system made; `None` for any
/// other key, a stored key included.
pub fn parse_upload_key(key: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = key.strip_prefix(UPLOAD_PREFIX)?.split('/').collect();
    match parts.as_slice() {
        ["firms", f, "clients", c, "files", id] if super::is_plausible_id(f) && super::is_plausible_id(c) && super::is_plausible_id(id) => {
            Some((f.to_string(), c.to_string(), id.to_string()))
        }
        _ => None,
    }
}

/// A firm's logo: PNG or JPEG only — never SVG, which can carry script — at most
/// [`MAX_LOGO_BYTES`]. It takes the same road as a file: uploaded under [`UPLOAD_PREFIX`],
/// checked by `file-events` (size, type, first bytes) and copied to its stored key.
pub const LOGO_TYPES: &[&str] = &["image/png", "image/jpeg"];
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// Where a checked logo lives (written only by `file-events`).
pub fn logo_stored_key(firm_id: &str, logo_id: &str) -> String {
    format!("firms/{firm_id}/logo/{logo_id}")
}

/// Where the browser uploads a logo.
pub fn logo_upload_key(firm_id: &str, logo_id: &str) -> String {
    format!("{UPLOAD_PREFIX}{}", logo_stored_key(firm_id, logo_id))
}

/// `(firm_id, logo_id)` of a logo upload key this system made; `None` for any other key.
pub fn parse_logo_upload_key(key: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = key.strip_prefix(UPLOAD_PREFIX)?.split('/').collect();
    match parts.as_slice() {
        ["firms", f, "logo", id] if super::is_plausible_id(f) && super::is_plausible_id(id) => Some((f.to_string(), id.to_string())),
        _ => None,
    }
}

/// Check a logo's declared size and type: `(size, content type)`.
pub fn check_logo(size: Option<u64>, content_type: Option<&str>) -> Result<(u64, String)> {
    let mut errs = Vec::new();
    match size {
        None => errs.push(FieldError::new("size", "is required: the image's size in bytes")),
        Some(0) => errs.push(FieldError::new("size", "must be more than 0 bytes (the file is empty)")),
        Some(s) if s > MAX_LOGO_BYTES => {
            errs.push(FieldError::new("size", format!("is over the logo limit of {} ({MAX_LOGO_BYTES} bytes)", human_size(MAX_LOGO_BYTES))))
        }
        _ => {}
    }
    let ct = content_type.map(normalize_type).unwrap_or_default();
    if !LOGO_TYPES.contains(&ct.as_str()) {
        errs.push(FieldError::new("content_type", "must be image/png or image/jpeg (a PNG or JPEG image; SVG is not accepted)"));
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    Ok((size.unwrap_or(0), ct))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Staff only: contacts to share the file with.
    #[serde(default)]
    pub share_with: Option<Vec<String>>,
    /// Staff only: share with every contact of the client.
    #[serde(default)]
    pub share_with_all: Option<bool>,
    /// Contacts only: the request this upload answers.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// A checked upload request.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRequest {
    pub name: String,
    pub size: u64,
    pub content_type: String,
}

/// Check name, size and type against the portal's and the firm's limits. The checked
/// request carries the decided type ([`decide_type`]): the upload URL signs it, the record
/// keeps it and `file-events` checks the content against it.
pub fn check_upload(name: Option<&str>, size: Option<u64>, content_type: Option<&str>, firm_cap: Option<u64>) -> Result<UploadRequest> {
    let mut errs = Vec::new();
    let name = clean_name(name.unwrap_or("")).map_err(|e| errs.push(e)).ok();
    let cap = firm_cap.unwrap_or(MAX_UPLOAD_BYTES).min(MAX_UPLOAD_BYTES);
    match size {
        None => errs.push(FieldError::new("size", "is required: the file's size in bytes")),
        Some(0) => errs.push(FieldError::new("size", "must be more than 0 bytes (the file is empty)")),
        Some(s) if s > cap => errs.push(FieldError::new("size", format!("is over the upload limit of {} bytes ({})", cap, human_size(cap)))),
        _ => {}
    }
    let ct = content_type.map(normalize_type).unwrap_or_default();
    let decided = if ct.is_empty() {
        errs.push(FieldError::new("content_type", "is required, e.g. application/pdf"));
        None
    } else {
        let decided = decide_type(name.as_deref().unwrap_or(""), &ct);
        if decided.is_none() {
            errs.push(FieldError::new("content_type", format!("{ct} is not accepted for this file name; accepted are {ACCEPTED_IN_WORDS}")));
        }
        decided
    };
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    Ok(UploadRequest { name: name.unwrap_or_default(), size: size.unwrap_or(0), content_type: decided.unwrap_or_default().to_string() })
}

pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Does the start of the object look like what was declared? Types without a signature
/// (plain text, CSV) must at least not look binary.
pub fn sniff_matches(content_type: &str, head: &[u8]) -> bool {
    let starts = |sig: &[u8]| head.starts_with(sig);
    match content_type {
        "application/pdf" => starts(b"%PDF-"),
        "image/png" => starts(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]),
        "image/jpeg" => starts(&[0xff, 0xd8, 0xff]),
        "image/gif" => starts(b"GIF87a") || starts(b"GIF89a"),
        "image/tiff" => starts(b"II*\0") || starts(b"MM\0*"),
        "image/heic" => head.len() >= 12 && &head[4..8] == b"ftyp",
        "application/zip"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => starts(b"PK\x03\x04"),
        "application/msword" | "application/vnd.ms-excel" => starts(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
        "text/plain" | "text/csv" => !head.contains(&0),
        _ => false,
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback name.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' { c } else { '_' }).collect();
    let encoded: String =
        name.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
