//! The firm's portal settings that staff change themselves: how long invite links live,
//! the automatic invite reminders, and whether contacts must use an authenticator app.
//!
//! Stored on the firm item (`FIRM#f` / `FIRM`); absent fields mean the default, so firms
//! created before a setting existed behave as documented without a migration.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Result};
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

/// The settings as staff see them (effective values, defaults filled in).
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
}

impl SettingsView {
    pub fn of(firm: &FirmRecord, default_lifetime_days: u32) -> Self {
        SettingsView {
            firm_name: firm.name.clone(),
            invite_lifetime_days: firm.invite_ttl_days.unwrap_or(default_lifetime_days),
            reminder_after_days: firm.reminder_after_days.unwrap_or(DEFAULT_REMINDER_AFTER_DAYS),
            max_reminders: firm.max_reminders.unwrap_or(DEFAULT_MAX_REMINDERS),
            require_contact_mfa: firm.require_contact_mfa,
        }
    }
}

/// A change of settings: every field optional, unknown fields refused.
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

impl SettingsInput {
    /// Apply the change to `firm` (in memory); every bad field is named at once.
    pub fn apply(self, firm: &mut FirmRecord) -> Result<()> {
        let mut errs = Vec::new();
        let lifetime = within("invite_lifetime_days", self.invite_lifetime_days, 1, 365, "days an invite link stays valid", &mut errs);
        let after = within("reminder_after_days", self.reminder_after_days, 0, MAX_REMINDER_AFTER_DAYS as i64, "days before a reminder; 0 turns reminders off", &mut errs);
        let max = within("max_reminders", self.max_reminders, 1, MAX_REMINDERS_CAP as i64, "reminders per invite at most", &mut errs);
        if self.invite_lifetime_days.is_none() && self.reminder_after_days.is_none() && self.max_reminders.is_none() && self.require_contact_mfa.is_none() {
            return Err(Error::BadRequest("nothing to change: send at least one of invite_lifetime_days, reminder_after_days, max_reminders, require_contact_mfa".into()));
        }
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        firm.invite_ttl_days = lifetime.or(firm.invite_ttl_days);
        firm.reminder_after_days = after.or(firm.reminder_after_days);
        firm.max_reminders = max.or(firm.max_reminders);
        firm.require_contact_mfa = self.require_contact_mfa.unwrap_or(firm.require_contact_mfa);
        Ok(())
    }
}

/// The attributes this module owns on the firm item.
const SETTINGS_ATTRIBUTES: [&str; 4] = ["invite_ttl_days", "reminder_after_days", "max_reminders", "require_contact_mfa"];

pub async fn get(store: &Store, firm_id: &str, default_lifetime_days: u32) -> Result<SettingsView> {
    Ok(SettingsView::of(&store.firm(firm_id).await?, default_lifetime_days))
}

/// Change the settings: one conditional `UpdateItem` (in a transaction of one) of only the
/// settings the request names, so a concurrent change of anything else is never undone.
pub async fn update(store: &Store, firm_id: &str, input: SettingsInput, default_lifetime_days: u32) -> Result<SettingsView> {
    let mut firm = store.firm(firm_id).await?;
    // Only the attributes the request names are written.
    let sent: Vec<&str> = [
        ("invite_ttl_days", input.invite_lifetime_days.is_some()),
        ("reminder_after_days", input.reminder_after_days.is_some()),
        ("max_reminders", input.max_reminders.is_some()),
        ("require_contact_mfa", input.require_contact_mfa.is_some()),
    ]
    .into_iter()
    .filter_map(|(a, given)| given.then_some(a))
    .collect();
    input.apply(&mut firm)?;
    let item = crate::store::to_item(&firm)?;
    let mut change = Change::new();
    for attr in SETTINGS_ATTRIBUTES.iter().filter(|a| sent.contains(a)) {
        if let Some(v) = item.get(*attr) {
            change = change.set(attr, v.clone());
        }
    }
    let write = change.on(store.table(), &keys::firm(firm_id), keys::FIRM_SK)?;
    store.transact(vec![write], |_| Error::NotFound("firm")).await?;
    tracing::info!(%firm_id, "firm settings changed");
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
        let Err(Error::Validation(errs)) =
            SettingsInput { invite_lifetime_days: Some(0), reminder_after_days: Some(61), max_reminders: Some(9), require_contact_mfa: Some(true) }.apply(&mut f)
        else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["invite_lifetime_days", "reminder_after_days", "max_reminders"]);
        assert_eq!(f, before);
        assert!(matches!(SettingsInput::default().apply(&mut f), Err(Error::BadRequest(_))));
    }
}
