//! Email rendering: the built-in invite presets and the engine that renders a template
//! (a preset or a firm's own) with `minijinja` into a subject, a plain-text part and an
//! HTML part. Pure: the firm's stored templates are `ops::templates`.
//!
//! A template is **plain text with variables** — what a firm's staff can write and read.
//! The text part is that text rendered. The HTML part is the same text with every value
//! HTML-escaped, paragraphs kept, links made clickable and the Create Account link shown as
//! a button; the template's own literal text is escaped too, so nothing a template or a
//! contact's name contains can inject markup into the email.
//!
//! How the HTML part stays exact: the body is rendered once more with a formatter that
//! fences each printed value, so literal text and values can be told apart and each
//! escaped (see `body_html`).
//!
//! Variables: `first_name`, `last_name`, `contact_name`, `firm_name`, `client_name`,
//! `message` (the personalized message, may be empty), `create_account_url`,
//! `help_center_url` (may be empty), `expires_on` (the link's expiry date).

use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use super::letterhead::Letterhead;
use crate::error::{Error, FieldError, Result};

pub const VARIABLES: &[&str] =
    &["first_name", "last_name", "contact_name", "firm_name", "client_name", "message", "create_account_url", "help_center_url", "expires_on"];

/// What a template is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSource {
    pub name: String,
    pub subject: String,
    pub body: String,
}

pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub subject: &'static str,
    pub body: &'static str,
}

pub const DEFAULT_PRESET: &str = "preset:plain";

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "preset:plain",
        name: "Client portal invitation",
        subject: "{{ firm_name }} invited you to the client portal",
        body: "Hi {{ first_name }},

{{ firm_name }} has invited you to the secure client portal for {{ client_name }}. It is one place to exchange files, complete requests and see billing with us.
{% if message %}
{{ message }}
{% endif %}
Create your account: {{ create_account_url }}

The link is for you alone and works until {{ expires_on }}.
{% if help_center_url %}
New to the portal? The Client Portal Help Center: {{ help_center_url }}
{% endif %}",
    },
    Preset {
        id: "preset:onboarding",
        name: "Onboarding welcome",
        subject: "Welcome to {{ firm_name }}, {{ first_name }}: your client portal is ready",
        body: "Hi {{ first_name }},

Welcome aboard! We are glad to be working with {{ client_name }}.
{% if message %}
{{ message }}
{% endif %}
From now on we will share documents, requests for information, invoices and forms to sign through our secure client portal instead of email. It takes a minute to set up:

1. Create your account: {{ create_account_url }}
2. Choose a password for {{ contact_name }}'s login.
3. Look at your To-Do list for the first things we need from you.

The link works until {{ expires_on }}.
{% if help_center_url %}
If you get stuck, the Client Portal Help Center has short guides: {{ help_center_url }}
{% endif %}
Best regards,
{{ firm_name }}",
    },
    Preset {
        id: "preset:reminder",
        name: "Reminder (sent automatically)",
        subject: "Reminder: {{ firm_name }} invited you to the client portal",
        body: "Hi {{ first_name }},

A reminder that {{ firm_name }} has invited you to the secure client portal for {{ client_name }}, and your account is not set up yet.
{% if message %}
{{ message }}
{% endif %}
Create your account: {{ create_account_url }}

This is a new link: it replaces the one in our earlier email and works until {{ expires_on }}.
{% if help_center_url %}
New to the portal? The Client Portal Help Center: {{ help_center_url }}
{% endif %}",
    },
];

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The values one email is rendered with.
#[derive(Debug, Clone, Serialize)]
pub struct InviteVars {
    pub first_name: String,
    pub last_name: String,
    pub contact_name: String,
    pub firm_name: String,
    pub client_name: String,
    pub message: String,
    pub create_account_url: String,
    pub help_center_url: String,
    pub expires_on: String,
}

impl InviteVars {
    /// Sample values for validating and previewing a template.
    pub fn sample() -> Self {
        Self {
            first_name: "Maria".into(),
            last_name: "Rivera".into(),
            contact_name: "Maria Rivera".into(),
            firm_name: "Your Firm".into(),
            client_name: "Rivera Household".into(),
            message: "Looking forward to working with you.".into(),
            create_account_url: "https://portal.example.com/create-account#sample".into(),
            help_center_url: "https://help.example.com".into(),
            expires_on: "December 28, 2026".into(),
        }
    }
}

/// "December 28, 2026": how an expiry date reads in an email.
pub fn long_date(t: OffsetDateTime) -> String {
    format!("{} {}, {}", t.month(), t.day(), t.year())
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Templates are written by firm staff: bound the work one render may do.
    env.set_fuel(Some(20_000));
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

fn render_str(env: &Environment<'_>, source: &str, ctx: &minijinja::Value) -> std::result::Result<String, String> {
    env.render_str(source, ctx).map_err(describe)
}

fn describe(e: minijinja::Error) -> String {
    let mut msg = match e.kind() {
        minijinja::ErrorKind::UndefinedError => {
            format!("uses an unknown variable; the variables are {}", VARIABLES.join(", "))
        }
        minijinja::ErrorKind::SyntaxError => format!("has a syntax error: {}", e.detail().unwrap_or("invalid template")),
        _ => format!("cannot be rendered: {}", e.detail().unwrap_or("invalid template")),
    };
    if let Some(line) = e.line() {
        msg.push_str(&format!(" (line {line})"));
    }
    msg
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn normalise_text(s: &str) -> String {
    // Collapse the blank lines `{% if %}` blocks leave behind; keep paragraph breaks.
    let mut out = String::new();
    let mut blank = 0;
    for line in s.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

const PH_OPEN: char = '\u{E000}';
const PH_CLOSE: char = '\u{E001}';
/// What a template sees as `create_account_url`: a mark, never the link. The link carries
/// the invite's secret, so only the product renders it (the button, the plain URL); a
/// filter or a wrapping URL in the template works on the mark and cannot reach the secret.
const LINK_MARK: &str = "\u{E002}create_account_url\u{E003}";

/// The mark stands on its own: not glued to text that could make it part of another URL
/// (`https://elsewhere/?u={{ create_account_url }}`), and not changed by a filter (then it
/// is not found at all).
fn link_stands_alone(rendered: &str) -> std::result::Result<(), String> {
    let mut found = false;
    for (i, _) in rendered.match_indices(LINK_MARK) {
        found = true;
        let before = rendered[..i].chars().next_back();
        let after = rendered[i + LINK_MARK.len()..].chars().next();
        let clear_before = before.is_none_or(|c| c.is_whitespace() || "(<\"'\u{E000}".contains(c));
        let clear_after = after.is_none_or(|c| c.is_whitespace() || ")>\"'.,;:!?\u{E001}".contains(c));
        if !(clear_before && clear_after) {
            return Err("must show {{ create_account_url }} on its own (the portal makes the link; a template cannot wrap or change it)".into());
        }
    }
    if found {
        Ok(())
    } else {
        Err("must include {{ create_account_url }} unchanged, the link the contact creates their account with".into())
    }
}

fn button(url: &str, accent: &str) -> String {
    format!(
        "<a href=\"{u}\" style=\"display:inline-block;padding:12px 22px;background:{accent};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600\">Create Account</a>",
        u = escape_html(url)
    )
}

fn link(url: &str) -> String {
    format!("<a href=\"{u}\">{u}</a>", u = escape_html(url))
}

/// The body as HTML paragraphs. The body is rendered with a formatter that fences every
/// printed value (after its filters) between two private-use characters; the template's
/// literal text outside the fences is escaped, each fenced value is escaped, or made a
/// link or the Create Account button when it is one of those URLs.
fn body_html(env: &Environment<'_>, body: &str, vars: &InviteVars, account_url: &str, accent: &str) -> std::result::Result<String, String> {
    let mut env = env.clone();
    env.set_formatter(|out, _state, value| {
        write!(out, "{PH_OPEN}{value}{PH_CLOSE}").map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed"))
    });
    let fenced = normalise_text(&render_str(&env, body, &minijinja::Value::from(minijinja::value::Serde(vars)))?);
    let mut inner = String::new();
    let mut rest = fenced.as_str();
    while let Some(start) = rest.find(PH_OPEN) {
        inner.push_str(&escape_html(&rest[..start]));
        let after = &rest[start + PH_OPEN.len_utf8()..];
        let end = after.find(PH_CLOSE).unwrap_or(after.len());
        let value = &after[..end];
        inner.push_str(&if value == LINK_MARK {
            button(account_url, accent)
        } else if !vars.help_center_url.is_empty() && value == vars.help_center_url {
            link(value)
        } else {
            escape_html(value)
        });
        rest = after.get(end + PH_CLOSE.len_utf8()..).unwrap_or("");
    }
    inner.push_str(&escape_html(rest));
    Ok(inner.split("\n\n").map(|p| format!("<p style=\"margin:0 0 16px\">{}</p>\n", p.replace('\n', "<br>"))).collect())
}

/// Render a template for one contact, in a plain letterhead (previews, validation).
pub fn render(t: &TemplateSource, vars: &InviteVars) -> std::result::Result<RenderedEmail, (&'static str, String)> {
    render_as(t, vars, &Letterhead::plain(&vars.firm_name))
}

/// Render a template for one contact in the firm's letterhead (logo, accent colour).
pub fn render_as(t: &TemplateSource, vars: &InviteVars, letterhead: &Letterhead) -> std::result::Result<RenderedEmail, (&'static str, String)> {
    let env = env();
    let clean = |s: &String| s.chars().filter(|c| !('\u{E000}'..='\u{E003}').contains(c)).collect::<String>();
    let vars = &InviteVars {
        first_name: clean(&vars.first_name),
        last_name: clean(&vars.last_name),
        contact_name: clean(&vars.contact_name),
        firm_name: clean(&vars.firm_name),
        client_name: clean(&vars.client_name),
        message: clean(&vars.message),
        create_account_url: clean(&vars.create_account_url),
        help_center_url: clean(&vars.help_center_url),
        expires_on: clean(&vars.expires_on),
    };
    let marked = &InviteVars { create_account_url: LINK_MARK.into(), ..vars.clone() };
    let ctx = minijinja::Value::from(minijinja::value::Serde(marked));
    let subject = render_str(&env, &t.subject, &ctx).map_err(|e| ("subject", e))?;
    if subject.contains('\u{E002}') {
        return Err(("subject", "cannot hold {{ create_account_url }}; put the link in the body".into()));
    }
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = normalise_text(&render_str(&env, &t.body, &ctx).map_err(|e| ("body", e))?);
    link_stands_alone(&text).map_err(|e| ("body", e))?;
    let text = text.replace(LINK_MARK, &vars.create_account_url);
    let inner = body_html(&env, &t.body, marked, &vars.create_account_url, letterhead.accent()).map_err(|e| ("body", e))?;
    let letterhead = Letterhead { firm_name: vars.firm_name.clone(), ..letterhead.clone() };
    let html = letterhead.frame(&subject, &inner);
    Ok(RenderedEmail { subject, text, html })
}

/// Check a firm's template: required fields, valid syntax, known variables, and a
/// Create Account link (without it the contact could not get in).
pub fn validate(name: Option<String>, subject: Option<String>, body: Option<String>) -> Result<TemplateSource> {
    let mut errs = Vec::new();
    let mut required = |field: &str, v: Option<String>, max: usize| -> String {
        let v = v.unwrap_or_default();
        if v.trim().is_empty() {
            errs.push(FieldError::new(field, "is required"));
        } else if v.chars().count() > max {
            errs.push(FieldError::new(field, format!("is longer than {max} characters")));
        }
        v.trim().to_string()
    };
    let name = required("name", name, 100);
    let subject = required("subject", subject, 300);
    let body = required("body", body, 20_000);
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let t = TemplateSource { name, subject, body };
    let sample = InviteVars::sample();
    match render(&t, &sample) {
        Err((field, msg)) => return Err(Error::field(field, msg)),
        Ok(r) => {
            if !r.text.contains(&sample.create_account_url) {
                return Err(Error::field("body", "must include {{ create_account_url }} unchanged, the link the contact creates their account with"));
            }
            if r.subject.is_empty() {
                return Err(Error::field("subject", "renders empty"));
            }
        }
    }
    Ok(t)
}

// ---------- the firm's templates ----------

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> InviteVars {
        InviteVars {
            first_name: "<Ana>".into(),
            last_name: "O'Neil & Co".into(),
            contact_name: "Ana O'Neil".into(),
            firm_name: "Smith & Jones CPA".into(),
            client_name: "O'Neil Household".into(),
            message: "Please upload your W-2s.\n<script>alert(1)</script>".into(),
            create_account_url: "http://127.0.0.1:9000/create-account#abc\"def".into(),
            help_center_url: "https://help.example.com/portal".into(),
            expires_on: "December 28, 2026".into(),
        }
    }

    fn plain() -> TemplateSource {
        let p = preset("preset:plain").unwrap();
        TemplateSource { name: p.name.into(), subject: p.subject.into(), body: p.body.into() }
    }

    #[test]
    fn text_part_has_the_message_link_and_help_center() {
        let r = render(&plain(), &vars()).unwrap();
        assert_eq!(r.subject, "Smith & Jones CPA invited you to the client portal");
        assert!(r.text.starts_with("Hi <Ana>,\n\nSmith & Jones CPA has invited you"), "{}", r.text);
        assert!(r.text.contains("<script>alert(1)</script>"), "text is not escaped");
        assert!(r.text.contains("Create your account: http://127.0.0.1:9000/create-account#abc\"def"));
        assert!(r.text.contains("Help Center: https://help.example.com/portal"));
        assert!(!r.text.contains("\n\n\n"), "no runs of blank lines: {:?}", r.text);
    }

    #[test]
    fn html_part_escapes_every_value_and_shows_a_button() {
        let r = render(&plain(), &vars()).unwrap();
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(r.html.contains("Hi &lt;Ana&gt;,"));
        assert!(r.html.contains("Smith &amp; Jones CPA"));
        assert!(r.html.contains("href=\"http://127.0.0.1:9000/create-account#abc&quot;def\""));
        assert!(r.html.contains(">Create Account</a>"));
        assert!(r.html.contains("<a href=\"https://help.example.com/portal\">"));
        assert!(r.html.contains("W-2s.<br>&lt;script"), "message line breaks kept");
    }

    #[test]
    fn empty_message_and_help_center_leave_no_trace() {
        let mut v = vars();
        v.message.clear();
        v.help_center_url.clear();
        let r = render(&plain(), &v).unwrap();
        assert!(!r.text.contains("Help Center"));
        assert!(r.text.contains("see billing with us.\n\nCreate your account: "), "{}", r.text);
        assert!(r.text.ends_with("works until December 28, 2026."), "{}", r.text);
    }

    #[test]
    fn every_preset_renders_with_the_link() {
        for p in PRESETS {
            let t = TemplateSource { name: p.name.into(), subject: p.subject.into(), body: p.body.into() };
            let r = render(&t, &InviteVars::sample()).unwrap();
            assert!(r.text.contains(&InviteVars::sample().create_account_url), "{}", p.id);
            assert!(validate(Some(t.name), Some(t.subject), Some(t.body)).is_ok(), "{}", p.id);
        }
    }

    #[test]
    fn literal_markup_in_a_firm_template_is_escaped() {
        let t = TemplateSource { name: "x".into(), subject: "Hello".into(), body: "<b>Bold</b> {{ first_name|upper }}\n{{ create_account_url }}".into() };
        let r = render(&t, &vars()).unwrap();
        assert!(r.html.contains("&lt;b&gt;Bold&lt;/b&gt;"));
        assert!(r.html.contains("&lt;ANA&gt;"), "{}", r.html);
    }

    #[test]
    fn validation_names_the_problem() {
        let e = validate(Some("n".into()), Some("s".into()), Some("Hi {{ frist_name }} {{ create_account_url }}".into())).unwrap_err();
        assert!(e.public_detail().contains("unknown variable"), "{}", e.public_detail());
        let e = validate(Some("n".into()), Some("s".into()), Some("Hi {% if %}".into())).unwrap_err();
        assert!(e.public_detail().contains("body has a syntax error"), "{}", e.public_detail());
        let e = validate(Some("n".into()), Some("s".into()), Some("Hi {{ first_name }}".into())).unwrap_err();
        assert!(e.public_detail().contains("create_account_url"));
        let Err(Error::Validation(errs)) = validate(None, Some(" ".into()), Some("x".repeat(20_001))) else { panic!() };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["name", "subject", "body"]);
    }

    #[test]
    fn runaway_templates_are_stopped() {
        let body = "{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}{{ create_account_url }}";
        assert!(validate(Some("n".into()), Some("s".into()), Some(body.into())).is_err());
    }

    #[test]
    fn long_dates_read_naturally() {
        assert_eq!(long_date(time::macros::datetime!(2026-12-28 10:00 UTC)), "December 28, 2026");
    }

    #[test]
    fn a_template_cannot_wrap_or_change_the_invite_link() {
        let sample = InviteVars::sample();
        let secret = sample.create_account_url.rsplit('#').next().unwrap().to_string();
        let with = |body: &str| TemplateSource { name: "x".into(), subject: "Hello".into(), body: body.into() };
        for wrapped in ["https://elsewhere.example/?u={{ create_account_url }}", "Go:{{ create_account_url }}", "{{ create_account_url }}&x=1"] {
            let e = render(&with(wrapped), &sample).unwrap_err();
            assert!(e.1.contains("on its own"), "{wrapped}: {e:?}");
        }
        for changed in ["{{ create_account_url | upper }}", "{{ create_account_url | replace('account', 'evil') }}", "{{ create_account_url[8:] }}"] {
            let e = render(&with(changed), &sample).unwrap_err();
            assert!(e.1.contains("unchanged"), "{changed}: {e:?}");
        }
        // A filter next to the real link sees only the mark: the secret appears once, in the link.
        let r = render(&with("Start: {{ create_account_url }}\n{{ create_account_url | upper }} {{ create_account_url | length }}"), &sample).unwrap();
        assert_eq!(r.text.matches(&secret).count(), 1, "{}", r.text);
        assert_eq!(r.html.matches(&secret).count(), 1, "{}", r.html);
        assert!(validate(Some("n".into()), Some("Link {{ create_account_url }}".into()), Some("{{ create_account_url }}".into())).is_err());
        // Standing alone, in brackets or before a full stop is fine.
        for fine in ["({{ create_account_url }})", "Create it here: {{ create_account_url }}.", "{{ create_account_url }}"] {
            let r = render(&with(fine), &sample).unwrap();
            assert!(r.text.contains(&sample.create_account_url) && r.html.contains("Create Account</a>"), "{fine}");
        }
    }
}
