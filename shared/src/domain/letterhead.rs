//! What every email of a firm carries besides its words: who it is from (the firm's
//! display name over the stage's verified address, and its reply-to address) and the
//! letterhead around the body (the firm's logo, name and accent colour).
//!
//! Every email the portal sends goes out as [`Sender`] and inside [`Letterhead::frame`], so
//! invites, reminders and notifications look like the same firm. The logo is an image URL
//! that works without signing in (`GET /api/firms/{firm_id}/logo`, which answers with the
//! checked image): mail clients fetch it with no credentials. The letterhead prints only
//! values it can trust in markup: the name escaped, the accent colour only when it is
//! `#rrggbb`, the logo URL escaped.

use super::email::{escape_html, RenderedEmail};

/// The accent colour of firms that chose none (the portal's own blue).
pub const DEFAULT_ACCENT: &str = "#1f5fbf";

/// Who an email is from: `from` is the `From` header (see
/// [`super::profile::from_header`]), `reply_to` where replies go (SES `ReplyToAddresses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub from: String,
    pub reply_to: Option<String>,
}

impl Sender {
    /// From `address` (the verified identity), shown as `name` when given.
    pub fn new(name: Option<&str>, address: &str, reply_to: Option<&str>) -> Self {
        Sender { from: super::profile::from_header(name, address), reply_to: reply_to.map(str::to_string) }
    }
}

/// The firm's look in an email.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Letterhead {
    pub firm_name: String,
    /// An absolute URL of the firm's logo that needs no sign-in.
    pub logo_url: Option<String>,
    pub accent: Option<String>,
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

impl Letterhead {
    pub fn plain(firm_name: &str) -> Self {
        Letterhead { firm_name: firm_name.into(), ..Default::default() }
    }

    /// The accent colour, or the default when none (or nothing valid) is set.
    pub fn accent(&self) -> &str {
        self.accent.as_deref().filter(|a| is_hex_colour(a)).unwrap_or(DEFAULT_ACCENT)
    }

    /// The HTML document around `inner` (already HTML): the logo and the firm's name on top,
    /// a thin bar of the accent colour, the footer below.
    pub fn frame(&self, title: &str, inner: &str) -> String {
        let firm = escape_html(&self.firm_name);
        let logo = match &self.logo_url {
            Some(url) => format!(
                "<img src=\"{}\" alt=\"{firm}\" height=\"48\" style=\"display:block;max-height:48px;max-width:220px;margin:0 0 12px;border:0\">\n",
                escape_html(url)
            ),
            None => String::new(),
        };
        format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
<body style=\"margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1d2430;line-height:1.5\">\n\
<div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:28px;border-top:4px solid {accent}\">\n\
{logo}<p style=\"margin:0 0 20px;font-size:18px;font-weight:700\">{firm}</p>\n{inner}\
<p style=\"margin:24px 0 0;font-size:12px;color:#5b6472\">Sent by {firm} through its secure client portal. If you were not expecting this email, you can ignore it.</p>\n\
</div></body></html>\n",
            title = escape_html(title),
            accent = self.accent(),
        )
    }

    /// A notification whose HTML part is a fragment, framed.
    pub fn wrap(&self, email: RenderedEmail) -> RenderedEmail {
        let html = self.frame(&email.subject, &email.html);
        RenderedEmail { html, ..email }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_shows_the_logo_and_only_a_valid_accent() {
        let lh = Letterhead {
            firm_name: "Smith & Jones".into(),
            logo_url: Some("https://p.example/api/firms/f/logo?v=1&x=\"".into()),
            accent: Some("#0a7d3b".into()),
        };
        let html = lh.frame("Hi <there>", "<p>x</p>");
        assert!(html.contains("<img src=\"https://p.example/api/firms/f/logo?v=1&amp;x=&quot;\" alt=\"Smith &amp; Jones\""), "{html}");
        assert!(html.contains("border-top:4px solid #0a7d3b"));
        assert!(html.contains("<title>Hi &lt;there&gt;</title>"));
        let odd = Letterhead { accent: Some("red;background:url(x)".into()), ..Letterhead::plain("F") };
        assert!(odd.frame("t", "").contains("solid #1f5fbf") && !odd.frame("t", "").contains("url(x)"));
        assert!(!Letterhead::plain("F").frame("t", "").contains("<img"), "no logo, no image");
    }

    #[test]
    fn a_wrapped_notification_keeps_its_subject_and_text() {
        let e = RenderedEmail { subject: "S".into(), text: "T".into(), html: "<p>H</p>".into() };
        let w = Letterhead::plain("F").wrap(e);
        assert_eq!((w.subject.as_str(), w.text.as_str()), ("S", "T"));
        assert!(w.html.starts_with("<!doctype html>") && w.html.contains("<p>H</p>"));
    }
}
