//! The `Blobs` port: the files bucket, implemented by S3.
//!
//! Browsers never reach the bucket with our credentials: they get short-lived presigned
//! URLs. An upload URL signs the object's size and content type, and only the signed
//! headers are handed to the browser (the SDK may add others, such as a trace id, that the
//! bucket's CORS rule does not allow). The emulator does not check presigned URLs at all
//! (DESIGN.md, section 5), so the landed object's own size and type, read back by
//! `ops::files::confirm_upload`, are the real wall.

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

/// What the bucket says of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub content_type: String,
    pub etag: String,
}

/// The files bucket.
pub trait Blobs: Send + Sync {
    /// A URL that PUTs exactly `size` bytes of `content_type` to `key`, tagged `tagging`.
    fn upload_url(&self, key: &str, content_type: &str, size: u64, tagging: &str, expires: Duration) -> impl Future<Output = Result<UploadUrl>> + Send;
    /// A URL that GETs `key`, answered with the given disposition and content type.
    fn download_url(&self, key: &str, disposition: &str, content_type: &str, expires: Duration) -> impl Future<Output = Result<String>> + Send;
    fn head(&self, key: &str) -> impl Future<Output = Result<Head>> + Send;
    /// The first `len` bytes of the object (fewer if it is shorter).
    fn first_bytes(&self, key: &str, len: u64) -> impl Future<Output = Result<Vec<u8>>> + Send;
    /// SHA-256 (hex) and size of the whole object, streamed.
    fn sha256(&self, key: &str) -> impl Future<Output = Result<(String, u64)>> + Send;
    /// Remove the object's tags (an approved upload loses its "pending" expiry tag).
    fn untag(&self, key: &str) -> impl Future<Output = Result<()>> + Send;
    fn delete(&self, key: &str) -> impl Future<Output = Result<()>> + Send;
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

    async fn head(&self, key: &str) -> Result<Head> {
        let head = self.s3.get().await.head_object().bucket(&self.bucket).key(key).send().await.map_err(aws)?;
        Ok(Head {
            size: head.content_length().unwrap_or(-1).max(0) as u64,
            content_type: head.content_type().unwrap_or("").to_string(),
            etag: head.e_tag().unwrap_or("").to_string(),
        })
    }

    async fn first_bytes(&self, key: &str, len: u64) -> Result<Vec<u8>> {
        let range = format!("bytes=0-{}", len.saturating_sub(1));
        let out = self.s3.get().await.get_object().bucket(&self.bucket).key(key).range(range).send().await.map_err(aws)?;
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

    async fn untag(&self, key: &str) -> Result<()> {
        self.s3.get().await.delete_object_tagging().bucket(&self.bucket).key(key).send().await.map_err(aws)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.s3.get().await.delete_object().bucket(&self.bucket).key(key).send().await.map_err(aws)?;
        Ok(())
    }
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
}
