//! `team` — the firm's team for its admins and owners: members and invites not yet used
//! (two paged lists, `{items, next}`), inviting a colleague, resending or revoking the invite, roles, deactivation and reactivation; and
//! `GET /api/staff/me` for every member (the UI shows the Team page by the role).
//!
//! Every route but `me` needs the `team` permission (admin and owner), checked by
//! `authenticate` from the staff record; the rules that depend on the member concerned
//! (owners only make or unmake owners, the last owner stays, nobody deactivates
//! themselves) are in `shared::ops::team`.

use lambda_http::{Body, Request, Response};
use shared::domain::identity::Actor;
use shared::http::routes::team::{Op, ROUTES};
use shared::http::{json, json_body, no_content, page_request, route_of, serve};
use shared::ops::audit::By;
use shared::ops::team::{self, RoleInput, StaffInviteInput};
use shared::{AppState, Error, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    let actor = state.authenticate(&req, m.audience).await?;
    let Actor::Staff { firm_id, role, .. } = &actor else { return Err(Error::Forbidden("this route is for firm staff".into())) };
    let (store, logins, p) = (&state.store, &state.logins, &m.params);
    let by = By::of(&actor, &req);
    let days = state.config.invite_lifetime_days;
    match m.op {
        Op::StaffMe => json(200, &team::me(store, &actor).await?),
        Op::GetTeam => json(200, &team::list_members(store, firm_id, &page_request(&req)?).await?),
        Op::ListStaffInvites => json(200, &team::list_invites(store, firm_id, &page_request(&req)?).await?),
        Op::InviteStaff => {
            let input = json_body::<StaffInviteInput>(&req)?;
            // Only an owner invites an owner (the role is checked once the input parses).
            if let Some(r) = input.role.as_deref().and_then(|r| shared::domain::roles::Role::parse("role", r).ok()) {
                team::rules::may_touch(*role, r)?;
            }
            let view = team::invite(store, &state.outbox(&state.web_origin(&req)?), &by, firm_id, input, days).await?;
            json(if view.outcome == Some("already_open") { 200 } else { 201 }, &view)
        }
        Op::ResendStaffInvite => {
            json(200, &team::resend(store, &state.outbox(&state.web_origin(&req)?), &by, *role, firm_id, p.get("invite_id")?, days).await?)
        }
        Op::RevokeStaffInvite => {
            team::revoke(store, &by, *role, firm_id, p.get("invite_id")?).await?;
            no_content()
        }
        Op::ChangeStaffRole => {
            let input = json_body::<RoleInput>(&req)?;
            json(200, &team::change_role(store, &by, &actor, p.get("member_id")?, input).await?)
        }
        Op::DeactivateStaff => json(200, &team::deactivate(store, logins, &by, &actor, p.get("member_id")?).await?),
        Op::ReactivateStaff => json(200, &team::reactivate(store, logins, &by, &actor, p.get("member_id")?).await?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("team", ROUTES);
    }

    #[tokio::test]
    async fn sample_events_reach_their_routes_and_demand_a_valid_token() {
        for sample in ["team/get-team.json", "team/invite-staff.json"] {
            let resp = handle(offline_state(), event_request(sample)).await;
            assert_eq!(resp.status(), 401, "{sample}");
        }
    }
}
