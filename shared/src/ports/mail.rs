//! Sending email through SES v2 (`SendEmail`, Simple content with HTML and text parts).
//!
//! We render every email ourselves (see [`crate::ops::templates`]) and send one message per
//! recipient: each invite carries its own link, and SES templates / bulk sending are not
//! something the local emulator offers. A refusal by SES is returned as text for the
//! outcome shown to staff; it never contains the link.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};
use serde::Serialize;

use crate::ops::templates::RenderedEmail;

fn content(data: &str) -> Result<Content, String> {
    Content::builder().data(data).charset("UTF-8").build().map_err(|e| e.to_string())
}

/// Why an email did not (certainly) go out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// SES answered and refused it (4xx): nothing was sent.
    Refused(String),
    /// No answer (timeout, connection lost, 5xx after the SDK's retries): SES may or may
    /// not have sent it.
    Unknown(String),
}

/// Send one email; `Ok(message id)` once SES accepted it. `tags` come back in SES's
/// delivery events (configuration set → SNS → `email-events`), which is how a bounce finds
/// the invite it belongs to; names and values may only hold ASCII letters, digits, `_`, `-`.
pub async fn send(ses: &aws_sdk_sesv2::Client, from: &str, to: &str, email: &RenderedEmail, configuration_set: Option<&str>, tags: &[(&str, &str)]) -> Result<String, SendError> {
    let tags = tags
        .iter()
        .map(|(name, value)| MessageTag::builder().name(*name).value(*value).build().map_err(|e| SendError::Refused(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let message = Message::builder()
        .subject(content(&email.subject).map_err(SendError::Refused)?)
        .body(Body::builder().text(content(&email.text).map_err(SendError::Refused)?).html(content(&email.html).map_err(SendError::Refused)?).build())
        .build();
    let out = ses
        .send_email()
        .from_email_address(from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .set_configuration_set_name(configuration_set.map(str::to_string))
        .set_email_tags(Some(tags).filter(|t| !t.is_empty()))
        .send()
        .await
        .map_err(|e| {
            use aws_sdk_sesv2::error::SdkError;
            match &e {
                SdkError::ServiceError(ctx) if ctx.raw().status().is_client_error() => {
                    SendError::Refused(ctx.err().meta().message().unwrap_or("the email service refused the message").to_string())
                }
                SdkError::ConstructionFailure(_) => SendError::Refused("the message could not be built".into()),
                _ => SendError::Unknown("the email service did not answer".into()),
            }
        })?;
    Ok(out.message_id.unwrap_or_default())
}

/// One notification email ("you have a new message", "a document to sign") and what became
/// of it. The change it announces is made either way; the outcome says honestly whether the
/// email went out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// `contact` or `staff` (or `firm` when the firm's settings could not be read).
    pub to: &'static str,
    pub id: String,
    /// `sent` or `failed`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Send the same notification to each `(kind, id, address)`, one at a time.
pub async fn notify(ses: &aws_sdk_sesv2::Client, from: &str, recipients: Vec<(&'static str, String, String)>, email: &RenderedEmail, configuration_set: Option<&str>) -> Vec<Notice> {
    let mut out = Vec::new();
    for (to, id, address) in recipients {
        out.push(match send(ses, from, &address, email, configuration_set, &[]).await {
            Ok(_) => Notice { to, id, outcome: "sent", reason: None },
            Err(SendError::Refused(r)) | Err(SendError::Unknown(r)) => Notice { to, id, outcome: "failed", reason: Some(r) },
        });
    }
    out
}
