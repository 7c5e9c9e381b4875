//! `post-auth` — Cognito PostAuthentication trigger of the contacts pool: records the last
//! login of sign-ins that do not go through our API (our own sign-in records it itself).
//!
//! Cognito waits for this function and fails the sign-in if it errors, so bookkeeping must
//! never block a login: every failure is logged and the event is returned unchanged.
//! Its only configuration is `TABLE_NAME`; it deliberately does not read the pool ids,
//! because the pool refers to this function (a reference back would be circular).

use aws_lambda_events::event::cognito::CognitoEventUserPoolsPostAuthentication;
use lambda_runtime::LambdaEvent;
use shared::store::{keys, Store, UserRecord};

/// Record the login for the contact behind `sub`, if there is one.
pub async fn record(store: &Store, sub: &str) -> shared::Result<bool> {
    let Some(user) = store.get::<UserRecord>(&keys::user(sub), keys::USER_SK).await? else {
        return Ok(false);
    };
    // Cognito's event carries no IP or user agent: the sign-in is recorded on the contact,
    // and its audit entry is written by the API sign-in that has them.
    shared::ops::accounts::record_login(store, &user.contact_id, shared::domain::now(), None).await?;
    Ok(true)
}

pub async fn handle(
    store: &'static Store,
    event: LambdaEvent<CognitoEventUserPoolsPostAuthentication>,
) -> Result<CognitoEventUserPoolsPostAuthentication, lambda_runtime::Error> {
    let payload = event.payload;
    match payload.request.user_attributes.get("sub") {
        None => tracing::warn!("post-authentication event without a sub"),
        Some(sub) => match record(store, sub).await {
            Ok(true) => tracing::info!("last login recorded"),
            Ok(false) => tracing::info!("login is not a contact's; nothing to record"),
            Err(e) => tracing::error!(error = %e, "recording the last login failed; the sign-in goes on"),
        },
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CognitoEventUserPoolsPostAuthentication {
        let text = std::fs::read_to_string(shared::testing::repo_root().join("events/post-auth/post-authentication.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[tokio::test]
    async fn a_failing_table_never_blocks_the_sign_in() {
        // The offline state points at a closed port: the lookup fails, the event comes back.
        let store: &'static Store = Box::leak(Box::new(shared::testing::offline_state().store.clone()));
        let event = sample();
        let out = handle(store, LambdaEvent::new(event.clone(), Default::default())).await.unwrap();
        assert_eq!(serde_json::to_value(&out).unwrap(), serde_json::to_value(&event).unwrap());
    }

    #[test]
    fn the_sample_event_carries_the_sub() {
        assert!(sample().request.user_attributes.contains_key("sub"));
    }
}
