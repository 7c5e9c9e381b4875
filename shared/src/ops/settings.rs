//! The firm's portal settings that staff change themselves: how long invite links live,
//! the automatic invite reminders, and whether contacts must use an authenticator app —
//! and the firm's profile (name, Help Center link, the name and reply-to address of its
//! emails, accent colour; the rules are `domain::profile`, the logo `ops::logo`). Every
//! change is recorded in the firm's history in the same transaction.
//!
//! Stored on the firm item (`FIRM#f` / `FIRM`); absent fields mean the default, so firms
//! created before a setting existed behave as documented without a migration.

use serde::{Deserialize, Serialize};

use crate::domain::{
    self,
    letterhead::{Letterhead, Sender},
    profile,
};
use crate::error::{Error, FieldError, Result};
use crate::ops::audit::{self, By};
use crate::store::tx::Change;
use crate::store::{keys, FirmRecord, Store};

/// Reminders go out this many days after the last invite email unless the firm says
/// otherwise (0 turns them off).
pub const DEFAULT_REMINDER_AFTER_DAYS: u32 = 7;
/// At most this many reminders per invite unless the firm says otherwise.
pub const DEFAULT_MAX_REMINDERS: u32 = 2;
pub const MAX_REMINDER_AFTER_DAYS: u32 = 60;
pub const MAX_REMINDERS_CAP: u32 = 5;

/// When reminders go out for one firm: `after_days` after the last email, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderPolicy {
    pub after_days: u32,
    pub max: u32,
}

impl FirmRecord {
    /// `None` when the firm turned reminders off.
    pub fn reminder_policy(&self) -> Option<ReminderPolicy> {
        let after_days = self.reminder_after_days.unwrap_or(DEFAULT_REMINDER_AFTER_DAYS);
        let max = self.max_reminders.unwrap_or(DEFAULT_MAX_REMINDERS);
        (after_days > 0 && max > 0).then_some(ReminderPolicy { after_days, max })
    }
}

/// The settings as staff see them (effective values, defaults filled in), with the firm's
/// profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SettingsView {
    pub firm_name: String,
    /// Days an invite link stays valid.
    pub invite_lifetime_days: u32,
    /// Days after the last invite email before a reminder; 0 = no reminders.
    pub reminder_after_days: u32,
    pub max_reminders: u32,
    /// Contacts must set up an authenticator app at their next sign-in.
    pub require_contact_mfa: bool,
    pub help_center_url: Option<String>,
    /// The display name of the firm's emails.
    pub sender_name: Option<String>,
    /// The verified address the firm's emails are sent from (the stage's; not changeable here).
    pub sender_email: String,
    /// `From` as recipients see it.
    pub sender: String,
    pub reply_to: Option<String>,
    pub accent_color: Option<String>,
    /// Where the logo is served (no sign-in needed), or none.
    pub logo_url: Option<String>,
}

impl SettingsView {
    pub fn of(firm: &FirmRecord, default_lifetime_days: u32) -> Self {
        SettingsView {
            firm_name: firm.name.clone(),
            invite_lifetime_days: firm.invite_ttl_days.unwrap_or(default_lifetime_days),
            reminder_after_days: firm.reminder_after_days.unwrap_or(DEFAULT_REMINDER_AFTER_DAYS),
            max_reminders: firm.max_reminders.unwrap_or(DEFAULT_MAX_REMINDERS),
            require_contact_mfa: firm.require_contact_mfa,
            help_center_url: firm.help_center_url.clone(),
            sender_name: firm.sender_name.clone(),
            sender_email: firm.sender_email.clone(),
            sender: firm.sender().from,
            reply_to: firm.reply_to.clone(),
            accent_color: firm.accent_color.clone(),
            logo_url: firm.logo_path(),
        }
    }
}

impl FirmRecord {
    /// Who the firm's emails are from.
    pub fn sender(&self) -> Sender {
        Sender::new(self.sender_name.as_deref(), &self.sender_email, self.reply_to.as_deref())
    }

    /// The logo's public path (`?v=` names the logo, so a new one is never a cached old one).
    pub fn logo_path(&self) -> Option<String> {
        self.logo_key.as_ref()?;
        Some(format!("/api/firms/{}/logo?v={}", self.firm_id, self.logo_id.as_deref().unwrap_or("1")))
    }

    /// The firm's look in its emails; `web_origin` makes the logo's URL absolute.
    pub fn letterhead(&self, web_origin: &str) -> Letterhead {
        Letterhead { firm_name: self.name.clone(), logo_url: self.logo_path().map(|p| format!("{web_origin}{p}")), accent: self.accent_color.clone() }
    }
}

/// `Some(value)` for a field that is present, even as `null` (which clears it).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A change of settings and profile: every field optional, unknown fields refused. The
/// profile's optional fields are cleared with `null` or `""`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    #[serde(default)]
    pub invite_lifetime_days: Option<i64>,
    #[serde(default)]
    pub reminder_after_days: Option<i64>,
    #[serde(default)]
    pub max_reminders: Option<i64>,
    #[serde(default)]
    pub require_contact_mfa: Option<bool>,
    #[serde(default)]
    pub firm_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub help_center_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub sender_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub reply_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub accent_color: Option<Option<String>>,
}

fn within(field: &str, v: Option<i64>, lo: i64, hi: i64, what: &str, errs: &mut Vec<FieldError>) -> Option<u32> {
    let v = v?;
    if (lo..=hi).contains(&v) {
        Some(v as u32)
    } else {
        errs.push(FieldError::new(field, format!("must be a whole number from {lo} to {hi} ({what})")));
        None
    }
}

/// An optional profile field: absent → unchanged (`None`); `null` or blank → cleared
/// (`Some(None)`); otherwise parsed.
fn optional(
    field: &str,
    v: Option<Option<String>>,
    parse: fn(&str, &str) -> std::result::Result<String, FieldError>,
    errs: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    match v? {
        None => Some(None),
        Some(raw) if raw.trim().is_empty() => Some(None),
        Some(raw) => match parse(field, &raw) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                errs.push(e);
                None
            }
        },
    }
}

/// What a change changed, as the firm's history tells it.
#[derive(Debug, Default, PartialEq)]
pub struct Changed {
    /// The firm item's attributes that changed.
    pub attributes: Vec<&'static str>,
    /// `field: new value` of the profile (name, help link, sender, reply-to, colour).
    pub profile: Vec<String>,
    /// `field: new value` of the settings (invites, reminders, sign-in).
    pub settings: Vec<String>,
}

/// Compare two versions of the firm item, field by field.
pub fn changed(before: &FirmRecord, after: &FirmRecord) -> Changed {
    let text = |v: &Option<String>| v.as_ref().map_or("removed".to_string(), |s| format!("{s:?}"));
    let num = |v: Option<u32>| v.map_or("default".to_string(), |n| n.to_string());
    let fields: [(&'static str, &'static str, bool, String, String); 9] = [
        ("name", "firm_name", true, format!("{:?}", before.name), format!("{:?}", after.name)),
        ("help_center_url", "help_center_url", true, text(&before.help_center_url), text(&after.help_center_url)),
        ("sender_name", "sender_name", true, text(&before.sender_name), text(&after.sender_name)),
        ("reply_to", "reply_to", true, text(&before.reply_to), text(&after.reply_to)),
        ("accent_color", "accent_color", true, text(&before.accent_color), text(&after.accent_color)),
        ("invite_ttl_days", "invite_lifetime_days", false, num(before.invite_ttl_days), num(after.invite_ttl_days)),
        ("reminder_after_days", "reminder_after_days", false, num(before.reminder_after_days), num(after.reminder_after_days)),
        ("max_reminders", "max_reminders", false, num(before.max_reminders), num(after.max_reminders)),
        ("require_contact_mfa", "require_contact_mfa", false, before.require_contact_mfa.to_string(), after.require_contact_mfa.to_string()),
    ];
    let mut out = Changed::default();
    for (attr, api, profile, was, now) in fields {
        if was != now {
            out.attributes.push(attr);
            (if profile { &mut out.profile } else { &mut out.settings }).push(format!("{api}: {now}"));
        }
    }
    out
}

impl SettingsInput {
    /// Apply the change to `firm` (in memory); every bad field is named at once.
    pub fn apply(self, firm: &mut FirmRecord) -> Result<()> {
        let mut errs = Vec::new();
        let lifetime = within("invite_lifetime_days", self.invite_lifetime_days, 1, 365, "days an invite link stays valid", &mut errs);
        let after = within(
            "reminder_after_days",
            self.reminder_after_days,
            0,
            MAX_REMINDER_AFTER_DAYS as i64,
            "days before a reminder; 0 turns reminders off",
            &mut errs,
        );
        let max = within("max_reminders", self.max_reminders, 1, MAX_REMINDERS_CAP as i64, "reminders per invite at most", &mut errs);
        let name = self.firm_name.as_deref().and_then(|n| profile::firm_name("firm_name", n).map_err(|e| errs.push(e)).ok());
        let help = optional("help_center_url", self.help_center_url.clone(), profile::help_center_url, &mut errs);
        let sender = optional("sender_name", self.sender_name.clone(), profile::sender_name, &mut errs);
        let reply = optional("reply_to", self.reply_to.clone(), profile::reply_to, &mut errs);
        let accent = optional("accent_color", self.accent_color.clone(), profile::accent_color, &mut errs);
        let nothing = self.invite_lifetime_days.is_none()
            && self.reminder_after_days.is_none()
            && self.max_reminders.is_none()
            && self.require_contact_mfa.is_none()
            && self.firm_name.is_none()
            && self.help_center_url.is_none()
            && self.sender_name.is_none()
            && self.reply_to.is_none()
            && self.accent_color.is_none();
        if nothing {
            return Err(Error::BadRequest(
                "nothing to change: send at least one of firm_name, help_center_url, sender_name, reply_to, accent_color, invite_lifetime_days, reminder_after_days, max_reminders, require_contact_mfa".into(),
            ));
        }
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        firm.invite_ttl_days = lifetime.or(firm.invite_ttl_days);
        firm.reminder_after_days = after.or(firm.reminder_after_days);
        firm.max_reminders = max.or(firm.max_reminders);
        firm.require_contact_mfa = self.require_contact_mfa.unwrap_or(firm.require_contact_mfa);
        if let Some(n) = name {
            firm.name = n;
        }
        for (slot, v) in [(&mut firm.help_center_url, help), (&mut firm.sender_name, sender), (&mut firm.reply_to, reply), (&mut firm.accent_color, accent)] {
            if let Some(v) = v {
                *slot = v;
            }
        }
        Ok(())
    }
}

pub async fn get(store: &Store, firm_id: &str, default_lifetime_days: u32) -> Result<SettingsView> {
    Ok(SettingsView::of(&store.firm(firm_id).await?, default_lifetime_days))
}

/// Change the settings and profile: one transaction of a conditional `UpdateItem` of only
/// the attributes that change (so a concurrent change of anything else is never undone)
/// and the firm history's entries — `profile_changed` and/or `settings_changed`, naming each
/// field and its new value.
pub async fn update(store: &Store, by: &By, firm_id: &str, input: SettingsInput, default_lifetime_days: u32) -> Result<SettingsView> {
    let before = store.firm(firm_id).await?;
    let mut firm = before.clone();
    input.apply(&mut firm)?;
    let diff = changed(&before, &firm);
    if diff.attributes.is_empty() {
        return Ok(SettingsView::of(&firm, default_lifetime_days));
    }
    let item = crate::store::to_item(&firm)?;
    let mut change = Change::new();
    for attr in &diff.attributes {
        change = change.set_or_remove(attr, item.get(*attr).cloned());
    }
    let now = domain::now();
    let mut writes = vec![change.on(store.table(), &keys::firm(firm_id), keys::FIRM_SK)?];
    for (event, parts) in [(audit::event::PROFILE_CHANGED, &diff.profile), (audit::event::SETTINGS_CHANGED, &diff.settings)] {
        if !parts.is_empty() {
            writes.push(audit::tx_put(store, &audit::firm_entry(firm_id, event, by, now, None, Some(parts.join("; ")))?)?);
        }
    }
    store.transact(writes, |_| Error::NotFound("firm")).await?;
    tracing::info!(%firm_id, changed = ?diff.attributes, "firm settings changed");
    Ok(SettingsView::of(&firm, default_lifetime_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firm() -> FirmRecord {
        FirmRecord::new("f1", "Firm", "portal@firm.example")
    }

    #[test]
    fn defaults_apply_until_the_firm_chooses() {
        let f = firm();
        assert_eq!(f.reminder_policy(), Some(ReminderPolicy { after_days: 7, max: 2 }));
        let v = SettingsView::of(&f, 30);
        assert_eq!((v.invite_lifetime_days, v.reminder_after_days, v.max_reminders, v.require_contact_mfa), (30, 7, 2, false));
    }

    #[test]
    fn a_change_sets_only_what_was_sent_and_zero_days_turns_reminders_off() {
        let mut f = firm();
        SettingsInput { reminder_after_days: Some(0), require_contact_mfa: Some(true), ..Default::default() }.apply(&mut f).unwrap();
        assert_eq!(f.reminder_policy(), None);
        assert!(f.require_contact_mfa);
        assert_eq!(f.invite_ttl_days, None);
        SettingsInput { reminder_after_days: Some(3), max_reminders: Some(1), ..Default::default() }.apply(&mut f).unwrap();
        assert_eq!(f.reminder_policy(), Some(ReminderPolicy { after_days: 3, max: 1 }));
        assert!(f.require_contact_mfa, "an absent field keeps its value");
    }

    #[test]
    fn bad_values_are_all_named_and_change_nothing() {
        let mut f = firm();
        let before = f.clone();
        let Err(Error::Validation(errs)) = SettingsInput {
            invite_lifetime_days: Some(0),
            reminder_after_days: Some(61),
            max_reminders: Some(9),
            require_contact_mfa: Some(true),
            ..Default::default()
        }
        .apply(&mut f) else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["invite_lifetime_days", "reminder_after_days", "max_reminders"]);
        assert_eq!(f, before);
        assert!(matches!(SettingsInput::default().apply(&mut f), Err(Error::BadRequest(_))));
    }

    fn input(json: &str) -> SettingsInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn profile_fields_are_set_cleared_and_described() {
        let mut f = firm();
        let before = f.clone();
        input(r##"{"firm_name":" Smith & Jones ","help_center_url":"https://help.sj.example/portal","sender_name":"Smith & Jones","reply_to":"Office@SJ.example","accent_color":"#0A7D3B"}"##)
            .apply(&mut f)
            .unwrap();
        assert_eq!(f.name, "Smith & Jones");
        assert_eq!(f.sender().from, "\"Smith & Jones\" <portal@firm.example>");
        assert_eq!(f.sender().reply_to.as_deref(), Some("office@sj.example"));
        let d = changed(&before, &f);
        assert_eq!(d.attributes, ["name", "help_center_url", "sender_name", "reply_to", "accent_color"]);
        assert_eq!(d.profile[0], "firm_name: \"Smith & Jones\"");
        assert_eq!(d.profile[4], "accent_color: \"#0a7d3b\"");
        assert!(d.settings.is_empty());
        // null and "" clear; an absent field stays
        let set = f.clone();
        input(r#"{"help_center_url":null,"reply_to":"  "}"#).apply(&mut f).unwrap();
        assert_eq!((f.help_center_url.as_deref(), f.reply_to.as_deref(), f.sender_name.as_deref()), (None, None, Some("Smith & Jones")));
        assert_eq!(changed(&set, &f).profile, ["help_center_url: removed", "reply_to: removed"]);
        // The same value again changes nothing.
        let same = f.clone();
        input(r#"{"firm_name":"Smith & Jones","max_reminders":2}"#).apply(&mut f).unwrap();
        assert_eq!(changed(&same, &f).attributes, ["max_reminders"], "2 is the default but was not stored: now it is");
    }

    #[test]
    fn bad_profile_fields_are_all_named_and_change_nothing() {
        let mut f = firm();
        let before = f.clone();
        let Err(Error::Validation(errs)) = input(
            r##"{"firm_name":"","help_center_url":"http://help.example.com","sender_name":"A\nB","reply_to":"nobody","accent_color":"#fff","require_contact_mfa":true}"##,
        )
        .apply(&mut f) else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["firm_name", "help_center_url", "sender_name", "reply_to", "accent_color"]);
        assert_eq!(f, before);
        assert!(serde_json::from_str::<SettingsInput>(r#"{"logo":"x"}"#).is_err(), "unknown fields are refused");
    }

    #[test]
    fn the_letterhead_carries_the_logo_url_and_colour() {
        let mut f = firm();
        assert_eq!(f.letterhead("https://p.example").logo_url, None);
        f.logo_key = Some("firms/f1/logo/l1".into());
        f.logo_id = Some("l1".into());
        f.accent_color = Some("#0a7d3b".into());
        let lh = f.letterhead("https://p.example");
        assert_eq!(lh.logo_url.as_deref(), Some("https://p.example/api/firms/f1/logo?v=l1"));
        assert_eq!(lh.accent(), "#0a7d3b");
        assert_eq!(SettingsView::of(&f, 30).logo_url.as_deref(), Some("/api/firms/f1/logo?v=l1"));
    }
}
