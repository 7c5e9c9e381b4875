//! Client requests and tasks: the contact's To-Do.
//!
//! Staff create a **request** (something the firm needs from the client: a document, an
//! answer) or a **task** (something the client should do), assign it to contacts of the
//! client, optionally with a due date and "upload required". Assigned contacts see it on
//! their To-Do, answer with text and/or files, and mark it done (`submitted`); staff then
//! complete it or reopen it with a note. Status: `open` → `submitted` → `completed`, and
//! back to `open` when reopened. Every change is conditional on the version read, so two
//! people acting at once cannot overwrite each other.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::domain;
use crate::error::{Error, FieldError, Result};
use crate::ops::access::Viewer;
use crate::store::{
    keys, tx, ActorRef, FileRecord, FileStatus, KeyRange, LinkRecord, Order, Page, PageRequest, RequestKind, RequestRecord, RequestStatus, ResponseEntry,
    StatusChange, Store, FILTER_READ_FACTOR,
};

/// The most files one answer attaches (after removing repeats).
pub const MAX_RESPONSE_FILES: usize = 10;

/// A request is one DynamoDB item, which cannot grow past 400 KB; answers may fill it up to
/// this size (as JSON, a little more than DynamoDB counts), so that the status changes staff
/// make afterwards (complete, reopen, each with a note) always fit.
pub const ANSWERS_BUDGET_BYTES: usize = 300_000;
/// What a status change may bring the item to.
pub const ITEM_BUDGET_BYTES: usize = 380_000;

/// Refuse a change that would take the request item past `budget` bytes.
pub fn check_size(r: &RequestRecord, budget: usize, what: &str) -> Result<()> {
    let size = serde_json::to_vec(r).map_err(Error::internal)?.len();
    if size > budget {
        return Err(Error::Conflict(format!("this request holds as many answers as it can; {what}")));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequestInput {
    #[serde(default)]
    pub kind: Option<RequestKind>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub instructions: Option<String>,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub assignee_ids: Option<Vec<String>>,
    #[serde(default)]
    pub upload_required: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondInput {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub file_ids: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    #[serde(default)]
    pub note: Option<String>,
}

pub fn parse_date(field: &str, raw: &str) -> std::result::Result<Date, FieldError> {
    Date::parse(raw.trim(), time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| FieldError::new(field, "must be a date as YYYY-MM-DD"))
}

/// The outcome of assigning one contact: `assigned`, or `not_invited` when the contact has
/// no portal access yet — the request is theirs all the same, and the UI offers to invite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignOutcome {
    pub contact_id: String,
    pub outcome: &'static str,
}

/// A new request, checked against the client's contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRequest {
    pub kind: RequestKind,
    pub title: String,
    pub instructions: String,
    pub due_date: Option<String>,
    pub assignees: Vec<AssignOutcome>,
    pub upload_required: bool,
}

pub fn plan_new(input: NewRequestInput, links: &[LinkRecord]) -> Result<PlannedRequest> {
    let mut errs = Vec::new();
    let kind = input.kind.unwrap_or(RequestKind::Request);
    let title = domain::text_input(&mut errs, "title", input.title, 200, true);
    let instructions = domain::text_input(&mut errs, "instructions", input.instructions, 5000, false);
    let due = input.due_date.filter(|d| !d.trim().is_empty()).and_then(|d| parse_date("due_date", &d).map_err(|e| errs.push(e)).ok());
    let mut ids: Vec<String> = Vec::new();
    for id in input.assignee_ids.unwrap_or_default() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        errs.push(FieldError::new("assignee_ids", "must name at least one contact of the client"));
    }
    let unknown: Vec<&String> = ids.iter().filter(|id| !links.iter().any(|l| &l.contact_id == *id)).collect();
    if !unknown.is_empty() {
        errs.push(FieldError::new(
            "assignee_ids",
            format!("names contacts who are not contacts of this client: {}", unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
        ));
    }
    let upload_required = input.upload_required.unwrap_or(false);
    if upload_required && kind == RequestKind::Task {
        errs.push(FieldError::new("upload_required", "is for requests; a task asks the client to do something, not to send a file"));
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let outcomes = ids
        .iter()
        .map(|id| {
            let accepted = links.iter().any(|l| &l.contact_id == id && l.accepted_at.is_some());
            AssignOutcome { contact_id: id.clone(), outcome: if accepted { "assigned" } else { "not_invited" } }
        })
        .collect();
    Ok(PlannedRequest { kind, title, instructions, due_date: due.map(|d| d.to_string()), assignees: outcomes, upload_required })
}

/// The status change an action makes, or why it cannot.
pub fn transition(current: RequestStatus, action: &str) -> Result<RequestStatus> {
    use RequestStatus::*;
    match (action, current) {
        ("submit", Open) => Ok(Submitted),
        ("submit", Submitted) => Err(Error::Conflict("this is already marked done; the firm will review it".into())),
        ("complete", Open | Submitted) => Ok(Completed),
        ("reopen", Submitted | Completed) => Ok(Open),
        ("reopen", Open) => Err(Error::Conflict("this is already open".into())),
        ("respond", Open | Submitted) => Ok(current),
        (_, Completed) => Err(Error::Conflict("this is completed; ask the firm to reopen it".into())),
        _ => Err(Error::Conflict(format!("cannot {action} now"))),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub id: String,
    pub kind: RequestKind,
    pub title: String,
    pub instructions: String,
    pub due_date: Option<String>,
    pub overdue: bool,
    pub assignees: Vec<String>,
    pub upload_required: bool,
    pub status: RequestStatus,
    pub responses: Vec<ResponseEntry>,
    pub history: Vec<StatusChange>,
    pub created_by: ActorRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl RequestView {
    pub fn new(r: &RequestRecord, today: Date) -> Self {
        let overdue = r.status == RequestStatus::Open && r.due_date.as_deref().and_then(|d| parse_date("", d).ok()).is_some_and(|d| d < today);
        Self {
            id: r.request_id.clone(),
            kind: r.kind,
            title: r.title.clone(),
            instructions: r.instructions.clone(),
            due_date: r.due_date.clone(),
            overdue,
            assignees: r.assignees.clone(),
            upload_required: r.upload_required,
            status: r.status,
            responses: r.responses.clone(),
            history: r.history.clone(),
            created_by: r.created_by.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub fn visible(r: &RequestRecord, viewer: &Viewer) -> bool {
    viewer.contact_id().is_none_or(|me| r.assignees.iter().any(|a| a == me))
}

/// Open items first by due date (undated last), then the rest newest first.
pub fn sort_for_todo(list: &mut [RequestView]) {
    list.sort_by(|a, b| {
        let rank = |v: &RequestView| match v.status {
            RequestStatus::Open => 0,
            RequestStatus::Submitted => 1,
            RequestStatus::Completed => 2,
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match (&a.due_date, &b.due_date) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| b.created_at.cmp(&a.created_at))
    });
}

// ---------- operations ----------

pub async fn load(store: &Store, client_id: &str, request_id: &str) -> Result<RequestRecord> {
    if !domain::is_plausible_id(request_id) {
        return Err(Error::NotFound("request"));
    }
    store.get::<RequestRecord>(&keys::client(client_id), &keys::request(request_id)).await?.ok_or(Error::NotFound("request"))
}

async fn load_visible(store: &Store, viewer: &Viewer, client_id: &str, request_id: &str) -> Result<RequestRecord> {
    let r = load(store, client_id, request_id).await?;
    if r.firm_id != viewer.firm_id() || !visible(&r, viewer) {
        return Err(Error::NotFound("request"));
    }
    Ok(r)
}

#[derive(Debug, Serialize)]
pub struct Created {
    pub request: RequestView,
    pub assignees: Vec<AssignOutcome>,
}

pub async fn create(store: &Store, viewer: &Viewer, by: ActorRef, client_id: &str, input: NewRequestInput) -> Result<Created> {
    viewer.staff_only()?;
    viewer.new_work()?;
    let links = crate::ops::clients::links_of(store, client_id).await?;
    let PlannedRequest { kind, title, instructions, due_date, assignees: outcomes, upload_required } = plan_new(input, &links)?;
    let now = domain::now();
    let id = domain::new_id();
    let rec = RequestRecord {
        pk: keys::client(client_id),
        sk: keys::request(&id),
        firm_id: viewer.firm_id().into(),
        client_id: client_id.into(),
        request_id: id,
        kind,
        title,
        instructions,
        due_date,
        assignees: outcomes.iter().map(|o| o.contact_id.clone()).collect(),
        upload_required,
        status: RequestStatus::Open,
        responses: vec![],
        history: vec![StatusChange { status: RequestStatus::Open, by: by.clone(), at: now, note: String::new() }],
        created_by: by,
        created_at: now,
        updated_at: now,
        version: 1,
        gsi3pk: None,
        gsi3sk: None,
    }
    .with_open_keys();
    if !store.put_new(&rec).await? {
        return Err(Error::Conflict("please retry".into()));
    }
    Ok(Created { request: RequestView::new(&rec, now.date()), assignees: outcomes })
}

/// One page of the requests the viewer may see — all for staff, those assigned to them for a
/// contact — newest first (ids are UUIDv7: key order is creation order). A contact's page
/// reads at most `limit` × [`FILTER_READ_FACTOR`] requests (it may be short, with a `next`).
pub async fn list(store: &Store, viewer: &Viewer, client_id: &str, page: &PageRequest) -> Result<Page<RequestView>> {
    let today = domain::now().date();
    let range = KeyRange::prefix(keys::client(client_id), keys::prefix::REQUEST);
    let factor = if viewer.contact_id().is_some() { FILTER_READ_FACTOR } else { 1 };
    store
        .query_page_where(&range, Order::NewestFirst, page, factor, |item| {
            let r: RequestRecord = crate::store::from_item(item.clone())?;
            Ok(visible(&r, viewer).then(|| RequestView::new(&r, today)))
        })
        .await
}

pub async fn get(store: &Store, viewer: &Viewer, client_id: &str, request_id: &str) -> Result<RequestView> {
    Ok(RequestView::new(&load_visible(store, viewer, client_id, request_id).await?, domain::now().date()))
}

async fn save(store: &Store, rec: &RequestRecord, read_version: u64) -> Result<()> {
    store
        .transact(vec![tx::put_versioned(store.table(), &rec.clone().with_open_keys(), read_version)?], |_| {
            Error::Conflict("this was changed by someone else meanwhile; reload and try again".into())
        })
        .await
}

/// A contact answers: text and/or files they uploaded to this client.
pub async fn respond(store: &Store, viewer: &Viewer, by: ActorRef, client_id: &str, request_id: &str, input: RespondInput) -> Result<RequestView> {
    viewer.contact_only()?;
    let mut r = load_visible(store, viewer, client_id, request_id).await?;
    transition(r.status, "respond")?;
    let mut errs = Vec::new();
    let text = domain::text_input(&mut errs, "text", input.text, 5000, false);
    let mut file_ids: Vec<String> = Vec::new();
    for id in input.file_ids.unwrap_or_default() {
        if !file_ids.contains(&id) {
            file_ids.push(id);
        }
    }
    if text.is_empty() && file_ids.is_empty() {
        errs.push(FieldError::new("text", "or file_ids is required: write an answer or attach files"));
    }
    if file_ids.len() > MAX_RESPONSE_FILES {
        errs.push(FieldError::new("file_ids", format!("may name at most {MAX_RESPONSE_FILES} files in one answer")));
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    for id in &file_ids {
        let f = if domain::is_plausible_id(id) { store.get::<FileRecord>(&keys::client(client_id), &keys::file(id)).await? } else { None };
        let ok = f.is_some_and(|f| crate::ops::access::visible_to(&f, viewer) && f.status != FileStatus::Rejected);
        if !ok {
            return Err(Error::field("file_ids", format!("{id} is not a file of yours in this portal")));
        }
    }
    let now = domain::now();
    let read = r.version;
    r.responses.push(ResponseEntry { by, at: now, text, file_ids });
    check_size(&r, ANSWERS_BUDGET_BYTES, "write to the firm in Messages, or ask them to send a new request")?;
    r.updated_at = now;
    r.version += 1;
    save(store, &r, read).await?;
    Ok(RequestView::new(&r, now.date()))
}

/// `submit` (contact: mark done), `complete` or `reopen` (staff).
pub async fn change_status(
    store: &Store,
    viewer: &Viewer,
    by: ActorRef,
    client_id: &str,
    request_id: &str,
    action: &str,
    note: NoteInput,
) -> Result<RequestView> {
    match action {
        "submit" => viewer.contact_only().map(drop)?,
        _ => viewer.staff_only()?,
    }
    let mut r = load_visible(store, viewer, client_id, request_id).await?;
    let next = transition(r.status, action)?;
    if action == "submit" && r.upload_required && !r.responses.iter().any(|x| !x.file_ids.is_empty()) {
        return Err(Error::field("file_ids", "this request needs an uploaded file before it can be marked done"));
    }
    let mut errs = Vec::new();
    let note = domain::text_input(&mut errs, "note", note.note, 2000, false);
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let now = domain::now();
    let read = r.version;
    r.status = next;
    r.history.push(StatusChange { status: next, by, at: now, note });
    check_size(&r, ITEM_BUDGET_BYTES, "shorten the note, or send a new request")?;
    r.updated_at = now;
    r.version += 1;
    save(store, &r, read).await?;
    Ok(RequestView::new(&r, now.date()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ClientRecord, ContactRecord};
    use time::macros::datetime;

    fn links() -> Vec<LinkRecord> {
        let t = datetime!(2026-11-01 00:00 UTC);
        let client = ClientRecord::new("f", "c", "C", t);
        ["a", "b"]
            .iter()
            .map(|id| {
                let contact = ContactRecord::sample("f", id, None, t);
                let mut l = LinkRecord::new(&client, &contact, t);
                if *id == "a" {
                    l.accepted_at = Some(t);
                }
                l
            })
            .collect()
    }

    fn input(json: &str) -> NewRequestInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn new_requests_say_which_assignees_are_not_invited() {
        let p = plan_new(input(r#"{"title":" W-2 forms ","due_date":"2027-02-15","assignee_ids":["a","b","a"],"upload_required":true}"#), &links()).unwrap();
        assert_eq!((p.kind, p.title.as_str(), p.due_date.as_deref(), p.upload_required), (RequestKind::Request, "W-2 forms", Some("2027-02-15"), true));
        assert_eq!(
            p.assignees,
            vec![AssignOutcome { contact_id: "a".into(), outcome: "assigned" }, AssignOutcome { contact_id: "b".into(), outcome: "not_invited" }]
        );
    }

    #[test]
    fn new_requests_are_checked() {
        let Err(Error::Validation(errs)) = plan_new(input(r#"{"kind":"task","due_date":"15/02/2027","assignee_ids":["zz"],"upload_required":true}"#), &links())
        else {
            panic!()
        };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["title", "due_date", "assignee_ids", "upload_required"]);
    }

    #[test]
    fn a_request_item_never_grows_past_its_budget() {
        let t = datetime!(2026-11-01 00:00 UTC);
        let by = ActorRef { kind: "contact".into(), id: "a".into(), name: "A".into() };
        let mut r = RequestRecord {
            pk: "p".into(),
            sk: "s".into(),
            firm_id: "f".into(),
            client_id: "c".into(),
            request_id: "r".into(),
            kind: RequestKind::Request,
            title: "t".into(),
            instructions: String::new(),
            due_date: None,
            assignees: vec!["a".into()],
            upload_required: false,
            status: RequestStatus::Open,
            responses: vec![],
            history: vec![],
            created_by: by.clone(),
            created_at: t,
            updated_at: t,
            version: 1,
            gsi3pk: None,
            gsi3sk: None,
        };
        // 5,000 four-byte characters: the longest answer text_input lets through
        let long = "\u{1F600}".repeat(5000);
        let mut answers = 0;
        loop {
            r.responses.push(ResponseEntry { by: by.clone(), at: t, text: long.clone(), file_ids: vec![] });
            if check_size(&r, ANSWERS_BUDGET_BYTES, "x").is_err() {
                break;
            }
            answers += 1;
        }
        assert!((10..20).contains(&answers), "{answers} long answers fit");
        r.responses.pop();
        // staff can still complete with the longest note after answers filled their budget
        r.history.push(StatusChange { status: RequestStatus::Completed, by, at: t, note: "\u{1F600}".repeat(2000) });
        assert!(check_size(&r, ITEM_BUDGET_BYTES, "x").is_ok());
        assert!(serde_json::to_vec(&r).unwrap().len() < 400_000);
    }

    #[test]
    fn status_moves_open_submitted_completed_and_back() {
        use RequestStatus::*;
        assert_eq!(transition(Open, "submit").unwrap(), Submitted);
        assert_eq!(transition(Submitted, "complete").unwrap(), Completed);
        assert_eq!(transition(Completed, "reopen").unwrap(), Open);
        assert!(transition(Completed, "respond").is_err());
        assert!(transition(Completed, "submit").is_err());
        assert!(transition(Open, "reopen").is_err());
    }
}
