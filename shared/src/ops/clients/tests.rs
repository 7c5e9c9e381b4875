use super::*;
use crate::domain::PersonName;
use time::macros::datetime;

fn contact(email: Option<&str>, sub: Option<&str>) -> ContactRecord {
    let t = datetime!(2026-11-01 00:00 UTC);
    ContactRecord {
        pk: keys::contact("k"),
        sk: keys::PROFILE_SK.into(),
        firm_id: "f".into(),
        contact_id: "k".into(),
        first_name: "Ana".into(),
        last_name: "Lima".into(),
        email: email.map(|e| EmailAddress::parse("email", e).unwrap()),
        phone: None,
        address: None,
        user_sub: sub.map(Into::into),
        last_login_at: None,
        access_revoked_at: None,
        created_at: t,
        updated_at: t,
        version: 3,
    }
}

#[test]
fn new_contact_reports_every_bad_field_at_once() {
    let input: NewContactInput = serde_json::from_str(r#"{"first_name":" ","email":"nope","phone":"12"}"#).unwrap();
    let Err(Error::Validation(errs)) = input.parse() else { panic!("expected validation error") };
    let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["first_name", "last_name", "email", "phone"]);
}

#[test]
fn new_contact_email_is_optional() {
    let input: NewContactInput = serde_json::from_str(r#"{"first_name":"Ana","last_name":"Lima","email":""}"#).unwrap();
    assert_eq!(input.parse().unwrap().email, None);
}

#[test]
fn unknown_fields_are_refused() {
    assert!(serde_json::from_str::<NewContactInput>(r#"{"first_name":"A","last_name":"B","emial":"x@y.zz"}"#).unwrap_err().to_string().contains("emial"));
}

#[test]
fn patch_distinguishes_null_from_absent() {
    let p: ContactPatchInput = serde_json::from_str(r#"{"phone":null}"#).unwrap();
    assert_eq!(p.parse().unwrap().phone, Some(None));
    let p: ContactPatchInput = serde_json::from_str(r#"{"first_name":"Bea"}"#).unwrap();
    let p = p.parse().unwrap();
    assert_eq!(p.phone, None);
    assert!(matches!(ContactPatchInput::default().parse(), Err(Error::BadRequest(_))));
}

#[test]
fn adding_a_missing_email_claims_it() {
    let now = datetime!(2026-11-28 00:00 UTC);
    let patch = ContactPatch { email: Some(Some(EmailAddress::parse("email", "ana@example.com").unwrap())), ..Default::default() };
    let plan = plan_contact_update(&contact(None, None), patch, now).unwrap();
    assert_eq!(plan.claim_email.unwrap().as_str(), "ana@example.com");
    assert_eq!(plan.release_email, None);
    assert_eq!(plan.updated.version, 4);
    assert_eq!(plan.updated.updated_at, now);
}

#[test]
fn changing_an_email_releases_the_old_one() {
    let patch = ContactPatch { email: Some(Some(EmailAddress::parse("email", "new@example.com").unwrap())), ..Default::default() };
    let plan = plan_contact_update(&contact(Some("old@example.com"), None), patch, domain::now()).unwrap();
    assert_eq!(plan.release_email.unwrap().as_str(), "old@example.com");
    assert_eq!(plan.claim_email.unwrap().as_str(), "new@example.com");
}

#[test]
fn same_email_changes_no_guard() {
    let patch = ContactPatch { email: Some(Some(EmailAddress::parse("email", "OLD@example.com").unwrap())), ..Default::default() };
    let plan = plan_contact_update(&contact(Some("old@example.com"), Some("sub")), patch, domain::now()).unwrap();
    assert_eq!((plan.release_email, plan.claim_email), (None, None));
}

#[test]
fn changing_the_login_email_ends_the_login() {
    let patch = ContactPatch { email: Some(Some(EmailAddress::parse("email", "new@example.com").unwrap())), ..Default::default() };
    let plan = plan_contact_update(&contact(Some("a@example.com"), Some("sub-1")), patch, domain::now()).unwrap();
    let (sub, old) = plan.end_login.unwrap();
    assert_eq!((sub.as_str(), old.as_str()), ("sub-1", "a@example.com"));
    assert_eq!(plan.updated.user_sub, None);
    // a name change alone keeps the login
    let patch = ContactPatch { first_name: Some(PersonName::parse("first_name", "Bea").unwrap()), ..Default::default() };
    assert!(plan_contact_update(&contact(Some("a@example.com"), Some("sub-1")), patch, domain::now()).unwrap().end_login.is_none());
}
