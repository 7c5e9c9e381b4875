//! `files` — upload slots, lists, sharing and downloads of a client's files, for staff
//! (`/api/staff/…`) and contacts (`/api/portal/…`); and the firm's logo, which takes the same
//! upload road (`/api/staff/firm/logo…`) and is served without sign-in
//! (`/api/firms/{firm_id}/logo`). The rules are in `shared::ops::files` and `shared::ops::logo`.

use lambda_http::{Body, Request, Response};
use shared::domain::identity::staff_firm;
use shared::http::routes::files::{Op, ROUTES};
use shared::http::{json, json_body, no_content, page_request, query_param, route_of, serve};
use shared::ops::access::open_client;
use shared::ops::audit::{By, Origin};
use shared::ops::{files, logo};
use shared::{AppState, Error, Result};

pub async fn handle(state: &'static AppState, req: Request) -> Response<Body> {
    serve(req, |req| dispatch(state, req)).await
}

async fn dispatch(state: &AppState, req: Request) -> Result<Response<Body>> {
    let m = route_of(ROUTES, &req)?;
    if let Op::FirmLogo = m.op {
        let img = logo::image(&state.store, &state.blobs, m.params.get("firm_id")?, query_param(&req, "v").as_deref()).await?;
        return image(img);
    }
    if let Op::CreateLogoUpload | Op::RemoveLogo | Op::GetLogoUpload = m.op {
        let actor = state.authenticate(&req, m.audience).await?;
        let firm = staff_firm(&actor)?;
        let by = By::of(&actor, &req);
        return match m.op {
            Op::CreateLogoUpload => json(201, &logo::create_upload(&state.store, &state.blobs, &by, firm, json_body(&req)?).await?),
            Op::GetLogoUpload => json(200, &logo::upload_status(&state.store, firm, m.params.get("logo_id")?).await?),
            _ => {
                logo::remove(&state.store, &state.blobs, &by, firm).await?;
                no_content()
            }
        };
    }
    let client_id = m.params.get("client_id")?;
    let actor = state.authenticate(&req, m.audience).await?;
    if let Op::StaffListFiles | Op::ContactListFiles = m.op {
        // The access check rides on the list's own Query.
        return json(200, &files::list(&state.store, &actor, client_id, &page_request(&req)?).await?);
    }
    let viewer = open_client(&state.store, &actor, client_id).await?;
    match m.op {
        Op::StaffUploadFile | Op::ContactUploadFile => {
            json(201, &files::create_upload(&state.store, &state.blobs, &viewer, client_id, json_body(&req)?, &Origin::of(&req)).await?)
        }
        Op::ShareFile => json(200, &files::set_sharing(&state.store, &viewer, client_id, m.params.get("file_id")?, json_body(&req)?, &Origin::of(&req)).await?),
        Op::StaffDownloadFile | Op::ContactDownloadFile => {
            json(200, &files::download(&state.store, &state.blobs, &viewer, client_id, m.params.get("file_id")?, &Origin::of(&req)).await?)
        }
        Op::StaffListFiles | Op::ContactListFiles => unreachable!("answered above"),
        Op::FirmLogo | Op::CreateLogoUpload | Op::RemoveLogo | Op::GetLogoUpload => unreachable!("answered above"),
    }
}

/// The logo as an image response: cached for good when the request named the current logo
/// (`?v=`), for five minutes otherwise; never sniffed, never a document.
fn image(img: logo::LogoImage) -> Result<Response<Body>> {
    let cache = if img.named { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    Response::builder()
        .status(200)
        .header("content-type", img.content_type)
        .header("cache-control", cache)
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("cross-origin-resource-policy", "cross-origin")
        .body(Body::Binary(img.bytes))
        .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::testing::{assert_routes_match_router, event_request, offline_state};

    #[test]
    fn routes_match_the_local_router() {
        assert_routes_match_router("files", ROUTES);
    }

    #[tokio::test]
    async fn sample_event_reaches_the_route_and_demands_a_valid_token() {
        let resp = handle(offline_state(), event_request("files/request-upload.json")).await;
        assert_eq!(resp.status(), 401);
    }
}
