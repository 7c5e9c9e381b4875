//! The `Mailer` port: sending email, implemented by SES v2 (`SendEmail`, Simple content
//! with HTML and text parts).
//!
//! We render every email ourselves (see [`crate::domain::email`]) and send one message per
//! recipient: each invite carries its own link, and SES templates / bulk sending are not
//! something the local emulator offers. A refusal by SES is returned as text for the
//! outcome shown to staff; it never contains the link.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};
use serde::Serialize;

use std::future::Future;

use crate::domain::email::RenderedEmail;
use crate::domain::letterhead::Sender;
use crate::sdk::{LazyClient, LazySdk};

/// Sends one email at a time. `Ok(message id)` once the service accepted it.
pub trait Mailer: Send + Sync {
    /// `tags` come back in the service's delivery events (configuration set → SNS →
    /// `email-events`), which is how a bounce finds the invite it belongs to; names and
    /// values may only hold ASCII letters, digits, `_`, `-`.
    /// `from` is the firm's `From` header and reply-to address ([`Sender`]).
    fn send(&self, from: &Sender, to: &str, email: &RenderedEmail, tags: &[(&str, &str)]) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// Where notification emails go out and where their links point: the mailer and the web
/// origin the "sign in to read it" links lead to.
pub struct Outbox<'a, M: Mailer> {
    pub mailer: &'a M,
    pub web_origin: &'a str,
}

/// [`Mailer`] through SES v2, with the stage's configuration set (delivery events).
#[derive(Debug)]
pub struct SesMailer {
    ses: LazyClient<aws_sdk_sesv2::Client>,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(sdk: LazySdk, configuration_set: Option<String>) -> Self {
        Self { ses: LazyClient::new(sdk, aws_sdk_sesv2::Client::new), configuration_set }
    }
}

impl SesMailer {
    /// The account's sending rate (emails per second, SES v2 `GetAccount`'s
    /// `SendQuota.MaxSendRate`); `None` when SES gives none.
    pub async fn max_send_rate(&self) -> crate::error::Result<Option<f64>> {
        let out = self.ses.get().await.get_account().send().await.map_err(crate::error::aws)?;
        Ok(out.send_quota().map(|q| q.max_send_rate()).filter(|r| *r > 0.0))
    }
}

impl Mailer for SesMailer {
    async fn send(&self, from: &Sender, to: &str, email: &RenderedEmail, tags: &[(&str, &str)]) -> Result<String, SendError> {
        send(self.ses.get().await, from, to, email, self.configuration_set.as_deref(), tags).await
    }
}

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
    /// Over the account's sending rate (`TooManyRequestsException`, 429, still so after the
    /// SDK's own retries): nothing was sent; try again later.
    Throttled(String),
}

/// SES's error codes for "over the sending rate" (v2 says `TooManyRequestsException`; the
/// v1 API and some paths say `Throttling` or `LimitExceededException`).
pub fn is_throttle_code(code: Option<&str>) -> bool {
    matches!(code, Some("TooManyRequestsException" | "Throttling" | "ThrottlingException" | "LimitExceededException"))
}

async fn send(
    ses: &aws_sdk_sesv2::Client,
    from: &Sender,
    to: &str,
    email: &RenderedEmail,
    configuration_set: Option<&str>,
    tags: &[(&str, &str)],
) -> Result<String, SendError> {
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
        .from_email_address(&from.from)
        .set_reply_to_addresses(from.reply_to.clone().map(|r| vec![r]))
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .set_configuration_set_name(configuration_set.map(str::to_string))
        .set_email_tags(Some(tags).filter(|t| !t.is_empty()))
        .send()
        .await
        .map_err(|e| {
            use aws_sdk_sesv2::error::ProvideErrorMetadata;
            use aws_sdk_sesv2::error::SdkError;
            match &e {
                SdkError::ServiceError(ctx) if is_throttle_code(ctx.err().code()) || ctx.raw().status().as_u16() == 429 => {
                    SendError::Throttled(ctx.err().meta().message().unwrap_or("maximum sending rate exceeded").to_string())
                }
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
    /// `sent`, `failed`, or `held` (not sent: the recipient was told very recently; see
    /// `ops::messages::NOTIFY_WINDOW_SECONDS`).
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Send the same notification to each `(kind, id, address)`, one at a time.
pub async fn notify(mailer: &impl Mailer, from: &Sender, recipients: Vec<(&'static str, String, String)>, email: &RenderedEmail) -> Vec<Notice> {
    let mut out = Vec::new();
    for (to, id, address) in recipients {
        out.push(match mailer.send(from, &address, email, &[]).await {
            Ok(_) => Notice { to, id, outcome: "sent", reason: None },
            Err(SendError::Refused(r)) | Err(SendError::Unknown(r)) | Err(SendError::Throttled(r)) => Notice { to, id, outcome: "failed", reason: Some(r) },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Refuses mail to addresses that start with "no", accepts the rest.
    struct Picky;

    impl Mailer for Picky {
        async fn send(&self, _from: &Sender, to: &str, _email: &RenderedEmail, _tags: &[(&str, &str)]) -> Result<String, SendError> {
            if to.starts_with("no") {
                Err(SendError::Refused("address on the suppression list".into()))
            } else {
                Ok(format!("id-{to}"))
            }
        }
    }

    #[tokio::test]
    async fn notify_says_honestly_which_emails_went_out() {
        let email = RenderedEmail { subject: "s".into(), text: "t".into(), html: "h".into() };
        let recipients = vec![("contact", "k1".to_string(), "yes@example.com".to_string()), ("staff", "s1".to_string(), "no@example.com".to_string())];
        let out = notify(&Picky, &Sender::new(None, "firm@example.com", None), recipients, &email).await;
        assert_eq!(out[0], Notice { to: "contact", id: "k1".into(), outcome: "sent", reason: None });
        assert_eq!(out[1].outcome, "failed");
        assert_eq!(out[1].reason.as_deref(), Some("address on the suppression list"));
    }
}
