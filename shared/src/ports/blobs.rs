//! The `Blobs` port: the files bucket, implemented by S3.
//!
//! Browsers never reach the bucket with our credentials: they get short-lived presigned
//! URLs. An upload URL signs the object's size and content type, and only the signed
//! headers are handed to the browser (the SDK may add others, such as a trace id, that the
//! bucket's CORS rule does not allow). S3 refuses a PUT whose length or type is not the
//! signed one (so does the local stack, whose proxy checks presigned URLs as S3 does:
//! scripts/iam_local.py); the landed object's own size and type, read back by
//! `ops::files::confirm_upload`, are the second wall.
//!
//! The bucket is versioned, and an upload URL can be replayed until it expires: the check
//! therefore reads one *version* ([`Blobs::head`], [`Blobs::first_bytes`]) and copies exactly
//! that version to the stored key ([`Blobs::copy_version`]), so a `PUT` landing between the
//! check and the copy is never what gets approved. Objects that are done with are deleted
//! by version ([`Blobs::delete_version`]): a plain delete would leave the bytes behind as a
//! noncurrent version under a delete marker.

use std::future::Future;
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;

use crate::error::{aws, Error, Result};
use crate::sdk::{LazyClient, LazySdk};

/// A presigned upload: the URL and the headers the browser must send with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadUrl {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// What the bucket says of one version of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub content_type: String,
    pub etag: String,
    /// The version described (`null` for an object written while versioning was off).
    pub version: String,
}

/// The files bucket.
pub trait Blobs: Send + Sync {
    /// A URL that PUTs exactly `size` bytes of `content_type` to `key`, tagged `tagging`.
    fn upload_url(&self, key: &str, content_type: &str, size: u64, tagging: &str, expires: Duration) -> impl Future<Output = Result<UploadUrl>> + Send;
    /// A URL that GETs `key`, answered with the given disposition and content type.
    fn download_url(&self, key: &str, disposition: &str, content_type: &str, expires: Duration) -> impl Future<Output = Result<String>> + Send;
    /// `version` of the object, or its current version when `None`.
    fn head(&self, key: &str, version: Option<&str>) -> impl Future<Output = Result<Head>> + Send;
    /// The first `len` bytes of that version of the object (fewer if it is shorter).
    fn first_bytes(&self, key: &str, version: &str, len: u64) -> impl Future<Output = Result<Vec<u8>>> + Send;
    /// SHA-256 (hex) and size of the whole (current) object, streamed.
    fn sha256(&self, key: &str) -> impl Future<Output = Result<(String, u64)>> + Send;
    /// Copy exactly `version` of `from` to `to` (type kept, tags not): the new version's id.
    fn copy_version(&self, from: &str, version: &str, to: &str) -> impl Future<Output = Result<String>> + Send;
    /// Delete one version for good (no delete marker; nothing left noncurrent).
    fn delete_version(&self, key: &str, version: &str) -> impl Future<Output = Result<()>> + Send;
}

/// [`Blobs`] on one S3 bucket.
#[derive(Debug)]
pub struct S3Blobs {
    s3: LazyClient<aws_sdk_s3::Client>,
    bucket: String,
}

impl S3Blobs {
    pub fn new(sdk: LazySdk, bucket: String) -> Self {
        fn make(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
            // With a custom endpoint (the local emulator) bucket names cannot be DNS labels.
            let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(sdk.endpoint_url().is_some()).build();
            aws_sdk_s3::Client::from_conf(conf)
        }
        Self { s3: LazyClient::new(sdk, make), bucket }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

fn presigning(expires: Duration) -> Result<PresigningConfig> {
    PresigningConfig::expires_in(expires).map_err(Error::internal)
}

/// The header names a presigned URL signs (`X-Amz-SignedHeaders`).
pub fn signed_header_names(uri: &str) -> Vec<String> {
    uri.split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("X-Amz-SignedHeaders="))
        .map(|v| v.replace("%3B", ";").replace("%3b", ";").split(';').map(str::to_string).collect())
        .unwrap_or_default()
}

impl Blobs for S3Blobs {
    async fn upload_url(&self, key: &str, content_type: &str, size: u64, tagging: &str, expires: Duration) -> Result<UploadUrl> {
        let presigned = self
            .s3
            .get()
            .await
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(size as i64)
            .tagging(tagging)
            .presigned(presigning(expires)?)
            .await
            .map_err(|e| Error::internal(format!("presigning failed: {e}")))?;
        let signed = signed_header_names(presigned.uri());
        let headers = presigned
            .headers()
            .filter(|(k, _)| signed.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        Ok(UploadUrl { url: presigned.uri().to_string(), headers })
    }

    async fn download_url(&self, key: &str, disposition: &str, content_type: &str, expires: Duration) -> Result<String> {
        let presigned = self
            .s3
            .get()
            .await
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(disposition)
            .response_content_type(content_type)
            .presigned(presigning(expires)?)
            .await
            .map_err(|e| Error::internal(format!("presigning failed: {e}")))?;
        Ok(presigned.uri().to_string())
    }

    async fn head(&self, key: &str, version: Option<&str>) -> Result<Head> {
        let head = self.s3.get().await.head_object().bucket(&self.bucket).key(key).set_version_id(version.map(str::to_string)).send().await.map_err(aws)?;
        Ok(Head {
            size: head.content_length().unwrap_or(-1).max(0) as u64,
            content_type: head.content_type().unwrap_or("").to_string(),
            etag: head.e_tag().unwrap_or("").to_string(),
            version: head.version_id().or(version).unwrap_or("null").to_string(),
        })
    }

    async fn first_bytes(&self, key: &str, version: &str, len: u64) -> Result<Vec<u8>> {
        let range = format!("bytes=0-{}", len.saturating_sub(1));
        let out = self.s3.get().await.get_object().bucket(&self.bucket).key(key).version_id(version).range(range).send().await.map_err(aws)?;
        let bytes = out.body.collect().await.map_err(|e| Error::internal(format!("reading the object failed: {e}")))?.into_bytes();
        Ok(bytes.to_vec())
    }

    async fn sha256(&self, key: &str) -> Result<(String, u64)> {
        let out = self.s3.get().await.get_object().bucket(&self.bucket).key(key).send().await.map_err(aws)?;
        let mut body = out.body;
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        let mut size = 0u64;
        while let Some(chunk) = body.try_next().await.map_err(|e| Error::internal(format!("reading the document failed: {e}")))? {
            size += chunk.len() as u64;
            ctx.update(&chunk);
        }
        Ok((crate::domain::hex(ctx.finish().as_ref()), size))
    }

    async fn copy_version(&self, from: &str, version: &str, to: &str) -> Result<String> {
        let out = self
            .s3
            .get()
            .await
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(copy_source(&self.bucket, from, version))
            // The upload's "pending" tag must not follow it: that tag expires objects.
            .tagging_directive(aws_sdk_s3::types::TaggingDirective::Replace)
            .send()
            .await
            .map_err(aws)?;
        Ok(out.version_id().unwrap_or("null").to_string())
    }

    async fn delete_version(&self, key: &str, version: &str) -> Result<()> {
        self.s3.get().await.delete_object().bucket(&self.bucket).key(key).version_id(version).send().await.map_err(aws)?;
        Ok(())
    }
}

/// `x-amz-copy-source` for one version: `bucket/key?versionId=…`, key and version
/// URL-encoded (keys keep their slashes).
pub fn copy_source(bucket: &str, key: &str, version: &str) -> String {
    let enc = |s: &str, keep_slash: bool| -> String {
        s.bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect()
    };
    format!("{bucket}/{}?versionId={}", enc(key, true), enc(version, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_signed_header_names_of_a_presigned_url() {
        let url = "http://h/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Signature=ab";
        assert_eq!(signed_header_names(url), vec!["content-length", "content-type", "host"]);
        assert!(signed_header_names("http://h/b/k").is_empty());
    }

    #[test]
    fn a_copy_source_names_one_version() {
        assert_eq!(copy_source("b", "uploads/firms/f/a b+c", "3/L4kqtJl+x="), "b/uploads/firms/f/a%20b%2Bc?versionId=3%2FL4kqtJl%2Bx%3D");
    }
}
