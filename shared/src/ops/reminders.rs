//! Automatic reminders for invites nobody accepted (the scheduled `reminders` function).
//!
//! A reminder *is* a re-invite, sent by the portal instead of a staff member: it goes
//! through [`invites::send_invites`], so it follows every rule of a re-invite — a new link
//! (the old email's link then answers "a newer invite was sent"), recorded before the
//! email leaves, put back if SES refuses, never to a contact who accepted meanwhile — and it
//! is logged on the link like any invite email, by the actor [`reminder_actor`].
//!
//! Which links: those in the sparse `GSI2` index (every open, unaccepted invite; see
//! [`crate::store`]) whose last email is older than a day, read with one `Query`. Each is
//! then judged by its firm's policy ([`crate::ops::settings::ReminderPolicy`]): due when its last
//! email is `after_days` old and fewer than `max` reminders followed the last email a
//! person sent. Links that will never be due — reminders exhausted, the invite revoked or
//! accepted, the email bounced or complained about — leave the index, so the work list stays
//! the invites that may still need a nudge (a firm that turns reminders off keeps its
//! invites on the list, so turning them on again reaches them). A reminder SES refused is
//! tried again after the firm's interval, not every hour.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::audit::{By, Origin};
use crate::ops::invites::{self, Outcome, SendInput};
use crate::ops::settings::ReminderPolicy;
use crate::ports::mail::Mailer;
use crate::store::tx::Change;
use crate::store::{from_item, ActorRef, LinkRecord, Store, DELIVERY_BOUNCED, DELIVERY_COMPLAINED};

/// The template reminders use (a preset; staff can pick it for a manual reminder too).
pub const REMINDER_TEMPLATE: &str = "preset:reminder";

/// Who the invite log and audit trail name as the sender of a reminder.
pub fn reminder_actor() -> ActorRef {
    ActorRef { kind: "system".into(), id: "reminders".into(), name: "Automatic reminder".into() }
}

fn is_reminder(by: &ActorRef) -> bool {
    by.kind == "system" && by.id == "reminders"
}

/// Reminders sent since the last invite a person sent.
pub fn reminders_sent(link: &LinkRecord) -> u32 {
    link.invite_log.iter().rev().take_while(|e| is_reminder(&e.by)).count() as u32
}

/// What to do with one link of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Remind,
    /// Not yet: its last email is too recent for the firm's policy.
    Wait,
    /// Never again for this invite: out of the index.
    Drop(&'static str),
}

pub fn decide(link: &LinkRecord, policy: Option<ReminderPolicy>, now: OffsetDateTime) -> Decision {
    if link.accepted_at.is_some() {
        return Decision::Drop("accepted");
    }
    if link.invite_hash.is_none() || link.invite_revoked_at.is_some() {
        return Decision::Drop("no open invite");
    }
    if matches!(link.invite_delivery.as_deref(), Some(DELIVERY_BOUNCED) | Some(DELIVERY_COMPLAINED)) {
        return Decision::Drop("the last email bounced or was marked as spam");
    }
    if link.email.is_none() {
        return Decision::Drop("no email address");
    }
    // An archived client: no reminder, but kept on the list, so a restore brings them back.
    if link.client_archived_at.is_some() {
        return Decision::Wait;
    }
    // Reminders off: kept on the list, so turning them on again reaches these invites.
    let Some(policy) = policy else { return Decision::Wait };
    if reminders_sent(link) >= policy.max {
        return Decision::Drop("all reminders sent");
    }
    let interval = Duration::days(i64::from(policy.after_days));
    if link.reminder_attempted_at.is_some_and(|at| now - at < interval) {
        return Decision::Wait;
    }
    match link.invited_at {
        Some(at) if now - at >= interval => Decision::Remind,
        Some(_) => Decision::Wait,
        None => Decision::Drop("no open invite"),
    }
}

/// What one run did (the function's answer, and its log line).
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub checked: usize,
    pub reminded: usize,
    pub waiting: usize,
    pub dropped: usize,
    pub failed: usize,
}

/// Remember a reminder that did not go out, so the next try waits the firm's interval
/// instead of the next hour (a refused email would otherwise be retried every hour).
async fn attempted(store: &Store, client_id: &str, contact_id: &str, now: OffsetDateTime) {
    let write = crate::domain::rfc3339(now).and_then(|at| {
        Change::new().set("reminder_attempted_at", crate::store::s(at)).on(
            store.table(),
            &crate::store::keys::client(client_id),
            &crate::store::keys::contact(contact_id),
        )
    });
    let done = match write {
        Ok(w) => store.transact(vec![w], |_| crate::error::Error::NotFound("contact")).await,
        Err(e) => Err(e),
    };
    if let Err(e) = done {
        tracing::warn!(%client_id, %contact_id, error = %e, "could not record a failed reminder");
    }
}

/// One run at `now` (the schedule's time).
pub async fn run(store: &Store, mailer: &impl Mailer, config: &Config, now: OffsetDateTime) -> Result<Summary> {
    // A reminder is a link; with no request to take an origin from, the template gives
    // this function the UI's origin itself (never empty, unlike the API's functions).
    if config.web_origin.is_empty() {
        return Err(Error::internal("WEB_ORIGIN is empty: reminders need the portal's address for their links"));
    }
    let links: Vec<LinkRecord> = store.open_invites_before(now - Duration::days(1)).await?.into_iter().map(from_item).collect::<Result<_>>()?;
    let mut summary = Summary { checked: links.len(), ..Default::default() };
    let mut policies: HashMap<String, Option<ReminderPolicy>> = HashMap::new();
    // firm → client → contacts due; BTreeMap for a stable order of work.
    let mut due: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut drops = Vec::new();
    for link in &links {
        if !policies.contains_key(&link.firm_id) {
            match store.firm_settings(&link.firm_id).await {
                Ok(firm) => {
                    policies.insert(link.firm_id.clone(), firm.reminder_policy());
                }
                Err(e) => {
                    // One firm's settings unreadable: its invites wait, the others go on.
                    tracing::error!(firm_id = %link.firm_id, error = %e, "firm settings unreadable; its reminders wait");
                    summary.waiting += 1;
                    continue;
                }
            }
        }
        match decide(link, policies[&link.firm_id], now) {
            Decision::Remind => due.entry((link.firm_id.clone(), link.client_id.clone())).or_default().push(link.contact_id.clone()),
            Decision::Wait => summary.waiting += 1,
            Decision::Drop(why) => {
                tracing::info!(client_id = %link.client_id, contact_id = %link.contact_id, why, "invite leaves the reminder list");
                drops.push(link);
            }
        }
    }

    let by = By { actor: reminder_actor(), origin: Origin { ip: None, user_agent: None } };
    for ((firm_id, client_id), contact_ids) in due {
        for chunk in contact_ids.chunks(invites::MAX_CONTACTS) {
            let input = SendInput { contact_ids: Some(chunk.to_vec()), message: None, template_id: Some(REMINDER_TEMPLATE.into()) };
            match invites::send_invites(store, mailer, config, &by, &firm_id, &client_id, input).await {
                Ok(outcomes) => {
                    for o in outcomes {
                        match o.outcome {
                            Outcome::Sent { .. } => summary.reminded += 1,
                            other => {
                                tracing::warn!(%client_id, contact_id = %o.contact_id, outcome = ?other, "reminder not sent");
                                summary.failed += 1;
                                attempted(store, &client_id, &o.contact_id, now).await;
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::error!(%client_id, error = %e, "reminders for a client failed");
                    summary.failed += chunk.len();
                    for contact_id in chunk {
                        attempted(store, &client_id, contact_id, now).await;
                    }
                }
            }
        }
    }

    // Out of the index, only if the invite is still the one judged (same live hash).
    for link in drops {
        let write = Change::new()
            .remove("GSI2PK")
            .remove("GSI2SK")
            .when("attribute_not_exists(#invite_hash) OR #invite_hash = :h", vec![(":h", crate::store::s(link.invite_hash.clone().unwrap_or_default()))])
            .on(store.table(), &link.pk, &link.sk)?;
        match store.transact(vec![write], |_| crate::error::Error::Conflict("changed".into())).await {
            Ok(()) => summary.dropped += 1,
            Err(e) => tracing::warn!(client_id = %link.client_id, contact_id = %link.contact_id, error = %e, "could not take an invite off the reminder list"),
        }
    }
    tracing::info!(
        checked = summary.checked,
        reminded = summary.reminded,
        waiting = summary.waiting,
        dropped = summary.dropped,
        failed = summary.failed,
        "reminders run"
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientRecord, ContactRecord, InviteLogEntry};

    /// A stack deployed without a WebOrigin gives the API's functions an empty WEB_ORIGIN;
    /// reminders must be given the URL itself, and refuse to run (before reading or
    /// sending anything) rather than email links without an address.
    #[tokio::test]
    async fn no_run_without_an_origin_for_the_links() {
        let env = crate::config::tests::sample_env();
        let config = Config { web_origin: String::new(), ..Config::from_lookup(|k| env.get(k).cloned()).unwrap() };
        // Nothing listens there: reaching AWS would fail differently (and slowly).
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        let lazy = crate::sdk::LazySdk::ready(sdk);
        let store = Store::lazy(lazy.clone(), "offline");
        let mailer = crate::ports::mail::SesMailer::new(lazy, None);
        let err = run(&store, &mailer, &config, at(0)).await.unwrap_err();
        assert!(format!("{err:?}").contains("WEB_ORIGIN is empty"), "{err:?}");
    }

    fn at(days: i64) -> OffsetDateTime {
        time::macros::datetime!(2026-11-01 09:00 UTC) + Duration::days(days)
    }

    fn open_link(sent_by: &[ActorRef]) -> LinkRecord {
        let client = ClientRecord::new("f1", "c1", "Client", at(0));
        let contact = ContactRecord::sample("f1", "k1", Some("ana@example.com"), at(0));
        let mut link = LinkRecord::new(&client, &contact, at(0));
        for (i, by) in sent_by.iter().enumerate() {
            link.invite_log.push(InviteLogEntry { at: at(i as i64), by: by.clone(), email: "ana@example.com".into(), ip: None, user_agent: None });
        }
        link.invite_hash = Some("h".into());
        link.invited_at = Some(at(0));
        link.invite_delivery = Some("delivered".into());
        link
    }

    fn staff() -> ActorRef {
        ActorRef { kind: "staff".into(), id: "s1".into(), name: "Sam".into() }
    }

    const POLICY: Option<ReminderPolicy> = Some(ReminderPolicy { after_days: 7, max: 2 });

    #[test]
    fn due_after_the_firms_days_and_not_before() {
        let link = open_link(&[staff()]);
        assert_eq!(decide(&link, POLICY, at(6)), Decision::Wait);
        assert_eq!(decide(&link, POLICY, at(7)), Decision::Remind);
    }

    #[test]
    fn reminders_count_from_the_last_invite_a_person_sent() {
        let two = open_link(&[staff(), reminder_actor(), reminder_actor()]);
        assert_eq!(reminders_sent(&two), 2);
        assert_eq!(decide(&two, POLICY, at(30)), Decision::Drop("all reminders sent"));
        // staff re-invited after the reminders: the count starts again
        let again = open_link(&[staff(), reminder_actor(), reminder_actor(), staff()]);
        assert_eq!(reminders_sent(&again), 0);
        assert_eq!(decide(&again, POLICY, at(30)), Decision::Remind);
    }

    #[test]
    fn a_refused_reminder_is_tried_again_after_the_interval_not_every_hour() {
        let mut link = open_link(&[staff()]);
        link.reminder_attempted_at = Some(at(7));
        assert_eq!(decide(&link, POLICY, at(8)), Decision::Wait);
        assert_eq!(decide(&link, POLICY, at(14)), Decision::Remind);
    }

    #[test]
    fn an_archived_clients_invites_wait_on_the_list_until_it_is_restored() {
        let mut link = open_link(&[staff()]);
        link.client_archived_at = Some(at(3));
        assert_eq!(decide(&link, POLICY, at(30)), Decision::Wait);
        link.client_archived_at = None;
        assert_eq!(decide(&link, POLICY, at(30)), Decision::Remind);
    }

    #[test]
    fn a_revoked_contact_invited_again_is_reminded() {
        let mut restoring = open_link(&[staff()]);
        restoring.access_revoked_at = Some(at(-1));
        assert_eq!(decide(&restoring, POLICY, at(7)), Decision::Remind);
    }

    #[test]
    fn never_to_revoked_bounced_active_or_firms_without_reminders() {
        let mut revoked = open_link(&[staff()]);
        revoked.invite_hash = None;
        revoked.invite_revoked_at = Some(at(1));
        let mut bounced = open_link(&[staff()]);
        bounced.invite_delivery = Some(DELIVERY_BOUNCED.into());
        let mut complained = open_link(&[staff()]);
        complained.invite_delivery = Some(DELIVERY_COMPLAINED.into());
        let mut active = open_link(&[staff()]);
        active.accepted_at = Some(at(2));
        for link in [&revoked, &bounced, &complained, &active] {
            assert!(matches!(decide(link, POLICY, at(30)), Decision::Drop(_)), "{link:?}");
        }
        // a firm with reminders off keeps its invites on the list (it may turn them on again)
        assert_eq!(decide(&open_link(&[staff()]), None, at(30)), Decision::Wait);
    }
}
