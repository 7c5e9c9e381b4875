use super::rules::{check, may_touch, owner_delta, MemberChange};
use super::*;
use crate::domain::roles::Role;
use crate::error::Error;
use crate::store::StaffRecord;

fn member(sub: &str, role: Role, active: bool) -> StaffRecord {
    let mut m = StaffRecord::new(sub, "f", &format!("{sub}@firm.example"), sub, role);
    if !active {
        m.deactivated_at = Some(crate::domain::now());
    }
    m
}

#[test]
fn only_an_owner_makes_or_unmakes_an_owner() {
    let staff = member("s", Role::Staff, true);
    let owner = member("o", Role::Owner, true);
    assert!(matches!(check(Role::Admin, "a", &staff, MemberChange::Role(Role::Owner)), Err(Error::Forbidden(_))));
    assert!(matches!(check(Role::Admin, "a", &owner, MemberChange::Role(Role::Staff)), Err(Error::Forbidden(_))));
    assert!(matches!(check(Role::Admin, "a", &owner, MemberChange::Deactivate), Err(Error::Forbidden(_))));
    assert!(matches!(may_touch(Role::Admin, Role::Owner), Err(Error::Forbidden(_))));
    assert_eq!(check(Role::Owner, "o2", &staff, MemberChange::Role(Role::Owner)).unwrap(), Some(1));
    assert_eq!(check(Role::Owner, "o2", &owner, MemberChange::Role(Role::Admin)).unwrap(), Some(-1));
    // admins run the rest of the team
    assert_eq!(check(Role::Admin, "a", &staff, MemberChange::Role(Role::Admin)).unwrap(), Some(0));
    assert_eq!(check(Role::Admin, "a", &staff, MemberChange::Deactivate).unwrap(), Some(0));
    assert!(may_touch(Role::Admin, Role::Admin).is_ok());
}

#[test]
fn nobody_deactivates_themselves_and_repeats_change_nothing() {
    let me = member("me", Role::Owner, true);
    assert!(matches!(check(Role::Owner, "me", &me, MemberChange::Deactivate), Err(Error::Forbidden(_))));
    assert_eq!(check(Role::Owner, "me", &me, MemberChange::Role(Role::Owner)).unwrap(), None);
    assert_eq!(check(Role::Owner, "me", &me, MemberChange::Reactivate).unwrap(), None);
    let gone = member("g", Role::Owner, false);
    assert_eq!(check(Role::Owner, "me", &gone, MemberChange::Deactivate).unwrap(), None);
    assert_eq!(check(Role::Owner, "me", &gone, MemberChange::Reactivate).unwrap(), Some(1), "a reactivated owner counts again");
    assert!(matches!(check(Role::Owner, "me", &gone, MemberChange::Role(Role::Staff)), Err(Error::Conflict(_))));
}

#[test]
fn owner_counts_move_only_across_the_owner_line() {
    assert_eq!(owner_delta(Role::Owner, Role::Staff), -1);
    assert_eq!(owner_delta(Role::Admin, Role::Owner), 1);
    assert_eq!(owner_delta(Role::Admin, Role::Staff), 0);
    assert_eq!(check(Role::Owner, "x", &member("o", Role::Owner, true), MemberChange::Deactivate).unwrap(), Some(-1));
}

#[test]
fn invite_input_names_every_bad_field() {
    let Err(Error::Validation(errs)) = StaffInviteInput { email: Some("nope".into()), name: Some(" ".into()), role: Some("boss".into()) }.parse() else {
        panic!()
    };
    assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["email", "name", "role"]);
    let Err(Error::Validation(errs)) = StaffInviteInput::default().parse() else { panic!() };
    assert_eq!(errs.len(), 3);
    let ok = StaffInviteInput { email: Some(" Ana@Firm.example ".into()), name: Some("Ana Lee".into()), role: Some("admin".into()) }.parse().unwrap();
    assert_eq!((ok.email.as_str(), ok.name.as_str(), ok.role), ("ana@firm.example", "Ana Lee", Role::Admin));
}

#[test]
fn tokens_name_their_invite_and_only_their_hash_is_kept() {
    let id = crate::store::keys::staff_invite_id("firm", "ana@firm.example");
    assert_eq!(id.len(), 32);
    assert_ne!(id, crate::store::keys::staff_invite_id("other-firm", "ana@firm.example"), "one invite per firm and address");
    let (token, hash) = new_token(&id).unwrap();
    assert_eq!(token_invite_id(&token), Some(id.as_str()));
    assert_eq!(hash, crate::domain::sha256_hex(token.as_bytes()));
    assert!(!hash.contains(&token[32..]));
    assert_eq!(token_invite_id(&token.to_uppercase()), None);
    assert_eq!(token_invite_id(&token[..95]), None);
    assert_eq!(join_url("https://portal.example", "t"), "https://portal.example/join#t");
}

#[test]
fn the_invite_email_carries_the_link_and_escapes_names() {
    let at = time::macros::datetime!(2026-12-28 10:00 UTC);
    let e = invite_email("Smith & Co", "Dana <Owner>", "Ana", Role::Admin, "https://p.example/join#abc", at);
    assert!(e.subject.contains("Dana <Owner> invited you to join Smith & Co"));
    assert!(e.text.contains("https://p.example/join#abc") && e.text.contains("as an admin") && e.text.contains("December 28, 2026"));
    assert!(e.html.contains("Smith &amp; Co") && e.html.contains("Dana &lt;Owner&gt;") && e.html.contains("href=\"https://p.example/join#abc\""));
}

#[test]
fn an_ended_link_is_remembered_with_why() {
    let mut r = crate::store::StaffInviteRecord {
        pk: "p".into(),
        sk: "s".into(),
        gsi1pk: "g".into(),
        gsi1sk: "g".into(),
        invite_id: "i".into(),
        firm_id: "f".into(),
        email: "a@b.example".into(),
        name: "A".into(),
        role: Role::Staff,
        invited_by: crate::store::ActorRef { kind: "staff".into(), id: "x".into(), name: "X".into() },
        invited_at: crate::domain::now(),
        link_expires_at: crate::domain::now() + time::Duration::days(1),
        token_hash: Some("h1".into()),
        ended_links: vec![],
        accepted_sub: None,
        accepted_at: None,
        version: 1,
    };
    assert!(r.is_open(crate::domain::now()));
    for i in 0..7 {
        r.end_link(crate::store::StaffInviteEnd::Replaced);
        r.token_hash = Some(format!("h{}", i + 2));
    }
    r.end_link(crate::store::StaffInviteEnd::Revoked);
    assert!(!r.is_open(crate::domain::now()));
    assert_eq!(r.ended_links.len(), crate::store::ENDED_LINKS_KEPT);
    assert_eq!(r.ended_links.last().unwrap().ended, crate::store::StaffInviteEnd::Revoked);
}
