//! Sending email through SES v2 (`SendEmail`, Simple content with HTML and text parts).
//!
//! We render every email ourselves (see [`crate::templates`]) and send one message per
//! recipient: each invite carries its own link, and SES templates / bulk sending are not
//! something the local emulator offers. A refusal by SES is returned as text for the
//! outcome shown to staff; it never contains the link.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::templates::RenderedEmail;

fn content(data: &str) -> Result<Content, String> {
    Content::builder().data(data).charset("UTF-8").build().map_err(|e| e.to_string())
}

/// Send one email; `Ok(message id)` once SES accepted it.
pub async fn send(ses: &aws_sdk_sesv2::Client, from: &str, to: &str, email: &RenderedEmail, configuration_set: Option<&str>) -> Result<String, String> {
    let message = Message::builder()
        .subject(content(&email.subject)?)
        .body(Body::builder().text(content(&email.text)?).html(content(&email.html)?).build())
        .build();
    let out = ses
        .send_email()
        .from_email_address(from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .set_configuration_set_name(configuration_set.map(str::to_string))
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(se) => se.meta().message().unwrap_or("the email service refused the message").to_string(),
            None => "the email service could not be reached".to_string(),
        })?;
    Ok(out.message_id.unwrap_or_default())
}
