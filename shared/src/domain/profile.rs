//! The firm's profile as its clients meet it: the firm's name, the Help Center its emails
//! point to, the name and reply-to address its emails are sent with, its accent colour and
//! its logo. Pure rules — what each field accepts and how the `From` header is spelled —;
//! the change itself (one write with its history entry) is `ops::settings`.
//!
//! Why these rules:
//! - The Help Center URL is printed as a link in every invite: only `https://` addresses of
//!   a named host (no IP, no credentials in the URL, no whitespace that a mail client would
//!   cut the link at) are taken, so a typo cannot send clients to a `javascript:` or plain
//!   `http:` page.
//! - Emails keep the stage's verified SES address (SES refuses any other) and only get a
//!   display name: `"Smith & Jones CPA" <portal@…>`. A name is one line of text: control
//!   characters (a CR/LF would start a new header) are refused, quotes and backslashes are
//!   escaped, and a non-ASCII name is sent as RFC 2047 encoded-words, as SES requires.
//! - The accent colour is `#rrggbb` and must carry white text (buttons are white on the
//!   accent): at least 3:1 contrast, WCAG's minimum for buttons and large text.

use base64::Engine;

use super::EmailAddress;
use crate::error::FieldError;

pub const MAX_FIRM_NAME: usize = 100;
pub const MAX_SENDER_NAME: usize = 64;
pub const MAX_URL: usize = 500;
/// White text on the accent colour needs at least this contrast ratio (WCAG 2.x, 1.4.11 and
/// large text).
pub const MIN_ACCENT_CONTRAST: f64 = 3.0;

/// The firm's name: one line, 1 to [`MAX_FIRM_NAME`] characters.
pub fn firm_name(field: &str, raw: &str) -> Result<String, FieldError> {
    super::clean_text(field, raw, MAX_FIRM_NAME, "text")
}

/// An `https://` address of a named host, at most [`MAX_URL`] characters, as the URL
/// parser normalises it.
pub fn help_center_url(field: &str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim();
    let bad = || FieldError::new(field, "must be a web address that starts with https://, e.g. https://help.yourfirm.com/portal");
    if s.chars().count() > MAX_URL {
        return Err(FieldError::new(field, format!("is longer than {MAX_URL} characters")));
    }
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let url = url::Url::parse(s).map_err(|_| bad())?;
    let named_host = url.domain().is_some_and(|d| d.contains('.') && !d.starts_with('.') && !d.ends_with('.'));
    if url.scheme() != "https" || !named_host || !url.username().is_empty() || url.password().is_some() {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// The display name of the firm's emails: one line of at most [`MAX_SENDER_NAME`]
/// characters.
pub fn sender_name(field: &str, raw: &str) -> Result<String, FieldError> {
    super::clean_text(field, raw, MAX_SENDER_NAME, "text")
}

/// Where replies to the firm's emails go.
pub fn reply_to(field: &str, raw: &str) -> Result<String, FieldError> {
    EmailAddress::parse(field, raw).map(|e| e.to_string())
}

/// `#rrggbb` (stored lower-case) dark enough for white text.
pub fn accent_color(field: &str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim().to_ascii_lowercase();
    let rgb = s.strip_prefix('#').filter(|h| h.len() == 6 && h.chars().all(|c| c.is_ascii_hexdigit()));
    let Some(hex) = rgb else {
        return Err(FieldError::new(field, "must be a colour written #rrggbb, e.g. #1f5fbf"));
    };
    let ratio = contrast_with_white(hex);
    if ratio < MIN_ACCENT_CONTRAST {
        return Err(FieldError::new(
            field,
            format!("is too light for the white text of buttons (contrast {ratio:.1}:1, at least {MIN_ACCENT_CONTRAST}:1 is needed): choose a darker colour"),
        ));
    }
    Ok(s)
}

/// WCAG contrast ratio of white against the colour `rrggbb`.
fn contrast_with_white(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    1.05 / (luminance + 0.05)
}

/// The `From` of the firm's emails: the verified `address`, with `name` as its display
/// name when there is one. ASCII names are quoted (`"` and `\` escaped); others are RFC
/// 2047 encoded-words (UTF-8, base64), each under 75 characters. A name with control
/// characters is never used (the input rules refuse it; this is the last wall).
pub fn from_header(name: Option<&str>, address: &str) -> String {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty() && !n.chars().any(char::is_control)) else {
        return address.to_string();
    };
    if name.is_ascii() {
        return format!("\"{}\" <{address}>", name.replace('\\', "\\\\").replace('"', "\\\""));
    }
    // 45 bytes of UTF-8 make 60 base64 characters: with `=?UTF-8?B?` and `?=`, 72 < 75.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in name.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    let encoded: Vec<String> = words.iter().map(|w| format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(w.as_bytes()))).collect();
    format!("{} <{address}>", encoded.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_center_urls_are_https_addresses_of_a_named_host() {
        assert_eq!(help_center_url("h", " https://help.firm.example/portal ").unwrap(), "https://help.firm.example/portal");
        assert_eq!(help_center_url("h", "https://help.firm.example").unwrap(), "https://help.firm.example/");
        for bad in [
            "http://help.firm.example",
            "javascript:alert(1)",
            "https://localhost/x",
            "https://10.0.0.1/x",
            "https://user:pw@help.firm.example",
            "https://help.firm.example/a b",
            "help.firm.example",
            "https://",
            "https://help.firm.example/a\nb",
            "https://help.firm.example/a\tb",
        ] {
            let e = help_center_url("help_center_url", bad).err().unwrap_or_else(|| panic!("{bad} was accepted"));
            assert_eq!(e.field, "help_center_url", "{bad}");
            assert!(e.message.contains("https://"), "{bad}: {}", e.message);
        }
        assert!(help_center_url("h", &format!("https://help.firm.example/{}", "a".repeat(500))).unwrap_err().message.contains("longer than 500"));
    }

    #[test]
    fn accent_colours_are_hex_and_dark_enough_for_white_text() {
        assert_eq!(accent_color("c", "#1F5FBF").unwrap(), "#1f5fbf");
        assert_eq!(accent_color("c", "#000000").unwrap(), "#000000");
        for bad in ["1f5fbf", "#1f5fb", "#1f5fbg", "red", "#1f5fbf00", "rgb(0,0,0)"] {
            assert!(accent_color("c", bad).unwrap_err().message.contains("#rrggbb"), "{bad}");
        }
        // White on yellow or light grey is unreadable.
        for light in ["#ffff00", "#dddddd", "#ffffff"] {
            assert!(accent_color("c", light).unwrap_err().message.contains("too light"), "{light}");
        }
        assert!((contrast_with_white("000000") - 21.0).abs() < 0.01);
        assert!((contrast_with_white("ffffff") - 1.0).abs() < 0.01);
    }

    #[test]
    fn names_are_one_line_and_reply_to_is_an_address() {
        assert_eq!(sender_name("sender_name", "  Smith & Jones  ").unwrap(), "Smith & Jones");
        assert!(sender_name("sender_name", "Evil\r\nBcc: all@example.com").unwrap_err().message.contains("control characters"));
        assert!(sender_name("sender_name", &"x".repeat(65)).is_err());
        assert!(firm_name("firm_name", " ").unwrap_err().message.contains("required"));
        assert_eq!(reply_to("reply_to", "Office@Firm.Example").unwrap(), "office@firm.example");
        assert!(reply_to("reply_to", "office@").is_err());
    }

    #[test]
    fn the_from_header_keeps_the_address_and_quotes_or_encodes_the_name() {
        let a = "portal@firm.example";
        assert_eq!(from_header(None, a), a);
        assert_eq!(from_header(Some("  "), a), a);
        assert_eq!(from_header(Some("Smith & Jones, CPA"), a), "\"Smith & Jones, CPA\" <portal@firm.example>");
        assert_eq!(from_header(Some(r#"The "Best" \ Firm"#), a), r#""The \"Best\" \\ Firm" <portal@firm.example>"#);
        assert_eq!(from_header(Some("Evil\r\nBcc: x@y.example"), a), a, "a name with a line break is never used");
        let encoded = from_header(Some("Müller & Søn Steuerberatung"), a);
        assert_eq!(encoded, "=?UTF-8?B?TcO8bGxlciAmIFPDuG4gU3RldWVyYmVyYXR1bmc=?= <portal@firm.example>");
        // A long name becomes several encoded-words, none over 75 characters, that decode back.
        let long = "Ärzte-Steuerberatung Müller & Søn — Büro für Körperschaften";
        let header = from_header(Some(long), a);
        let (words, addr) = header.rsplit_once(' ').unwrap();
        assert_eq!(addr, "<portal@firm.example>");
        let mut decoded = Vec::new();
        for w in words.split(' ') {
            assert!(w.len() <= 75 && w.starts_with("=?UTF-8?B?") && w.ends_with("?="), "{w}");
            decoded.extend(base64::engine::general_purpose::STANDARD.decode(&w[10..w.len() - 2]).unwrap());
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), long);
    }
}
