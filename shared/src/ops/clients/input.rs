//! What staff and contacts send about clients and contacts, parsed into domain values with
//! **every** field problem collected at once, and the plan of a contact's update.

use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use crate::domain::{EmailAddress, PersonName, Phone};
use crate::error::{Error, FieldError, Result};
use crate::store::{Address, ContactRecord};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateClientInput {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContactInput {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// A partial update: absent fields stay as they are; `null` clears `email` or `phone`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatchInput {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub address: Option<Option<AddressInput>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

impl AddressInput {
    pub fn parse(self) -> std::result::Result<Address, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut field = |name: &str, v: Option<String>, required: bool, max: usize| {
            let v = v.unwrap_or_default().trim().to_string();
            if required && v.is_empty() {
                errs.push(FieldError::new(format!("address.{name}"), "is required"));
            } else if v.chars().count() > max || v.chars().any(char::is_control) {
                errs.push(FieldError::new(format!("address.{name}"), format!("must be one line of at most {max} characters")));
            }
            v
        };
        let a = Address {
            line1: field("line1", self.line1, true, 200),
            line2: field("line2", self.line2, false, 200),
            city: field("city", self.city, true, 100),
            region: field("region", self.region, false, 100),
            postal_code: field("postal_code", self.postal_code, true, 20),
            country: field("country", self.country, true, 100),
        };
        if errs.is_empty() {
            Ok(a)
        } else {
            Err(errs)
        }
    }
}

/// What a contact may change about themselves in user settings: not their email, which
/// is their login and only the firm can change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub address: Option<Option<AddressInput>>,
    #[serde(default)]
    pub email: Option<serde_json::Value>,
}

impl ProfileInput {
    pub fn into_patch(self) -> Result<ContactPatchInput> {
        if self.email.is_some() {
            return Err(Error::field("email", "is your portal login; only your firm can change it"));
        }
        Ok(ContactPatchInput { first_name: self.first_name, last_name: self.last_name, email: None, phone: self.phone, address: self.address })
    }
}

/// Distinguishes `"field": null` (Some(None)) from an absent field (None).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn collect<T>(errors: &mut Vec<FieldError>, r: std::result::Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn finish(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

fn blank_to_none(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// A validated new contact.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContact {
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub email: Option<EmailAddress>,
    pub phone: Option<Phone>,
}

impl NewContactInput {
    pub fn parse(self) -> Result<NewContact> {
        let mut errs = Vec::new();
        let first = collect(&mut errs, PersonName::parse("first_name", self.first_name.as_deref().unwrap_or("")));
        let last = collect(&mut errs, PersonName::parse("last_name", self.last_name.as_deref().unwrap_or("")));
        let email = blank_to_none(self.email).and_then(|e| collect(&mut errs, EmailAddress::parse("email", &e)));
        let phone = blank_to_none(self.phone).and_then(|p| collect(&mut errs, Phone::parse("phone", &p)));
        finish(errs)?;
        Ok(NewContact { first_name: first.unwrap(), last_name: last.unwrap(), email, phone })
    }
}

/// A validated change to a contact.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactPatch {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub email: Option<Option<EmailAddress>>,
    pub phone: Option<Option<Phone>>,
    pub address: Option<Option<Address>>,
}

impl ContactPatchInput {
    pub fn parse(self) -> Result<ContactPatch> {
        let mut errs = Vec::new();
        let first_name = self.first_name.and_then(|v| collect(&mut errs, PersonName::parse("first_name", &v)));
        let last_name = self.last_name.and_then(|v| collect(&mut errs, PersonName::parse("last_name", &v)));
        let email = self.email.map(|v| blank_to_none(v).and_then(|e| collect(&mut errs, EmailAddress::parse("email", &e))));
        let phone = self.phone.map(|v| blank_to_none(v).and_then(|p| collect(&mut errs, Phone::parse("phone", &p))));
        let address = self.address.map(|a| a.and_then(|a| a.parse().map_err(|e| errs.extend(e)).ok()));
        finish(errs)?;
        let patch = ContactPatch { first_name, last_name, email, phone, address };
        if patch == ContactPatch::default() {
            return Err(Error::BadRequest("nothing to change: send at least one of first_name, last_name, email, phone, address".into()));
        }
        Ok(patch)
    }
}

/// What a patch does to a stored contact, decided without touching AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactUpdatePlan {
    pub updated: ContactRecord,
    /// The email guard to release and the one to claim, when the email changes.
    pub release_email: Option<EmailAddress>,
    pub claim_email: Option<EmailAddress>,
    /// The contact's portal login ends (its `sub` and login email): the email it signs in
    /// with changed, so the firm must re-invite the contact at the new address.
    pub end_login: Option<(String, EmailAddress)>,
}

/// Apply `patch` to `current`. The email of a contact who has a portal login is their
/// sign-in name: changing it ends that login (and its access to every client), and the
/// firm re-invites the contact at the new address.
pub fn plan_contact_update(current: &ContactRecord, patch: ContactPatch, now: OffsetDateTime) -> Result<ContactUpdatePlan> {
    let mut updated = current.clone();
    let mut release_email = None;
    let mut claim_email = None;
    let mut end_login = None;
    if let Some(first) = patch.first_name {
        updated.first_name = first.as_str().to_string();
    }
    if let Some(last) = patch.last_name {
        updated.last_name = last.as_str().to_string();
    }
    if let Some(phone) = patch.phone {
        updated.phone = phone.map(|p| p.as_str().to_string());
    }
    if let Some(address) = patch.address {
        updated.address = address;
    }
    if let Some(email) = patch.email {
        if email != current.email {
            if let (Some(sub), Some(old)) = (&current.user_sub, &current.email) {
                end_login = Some((sub.clone(), old.clone()));
                updated.user_sub = None;
                updated.last_login_at = None;
            }
            release_email = current.email.clone();
            claim_email = email.clone();
            updated.email = email;
        }
    }
    updated.updated_at = now;
    updated.version = current.version + 1;
    Ok(ContactUpdatePlan { updated, release_email, claim_email, end_login })
}
