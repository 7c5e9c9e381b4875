//! A firm's own invite email templates: create, list, change, delete; and which template
//! an invite uses. Rendering is `domain::email`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::email::{preset, validate, Preset, TemplateSource, DEFAULT_PRESET, PRESETS};
use crate::error::{Error, Result};
use crate::store::{from_item, keys, KeyRange, Order, Page, PageRequest, Store, TemplateRecord};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
}

/// A template as the API shows it: a preset (read-only) or one of the firm's.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub subject: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

impl From<&Preset> for TemplateView {
    fn from(p: &Preset) -> Self {
        Self { id: p.id.into(), kind: "preset", name: p.name.into(), subject: p.subject.into(), body: p.body.into(), updated_at: None }
    }
}

impl From<&TemplateRecord> for TemplateView {
    fn from(t: &TemplateRecord) -> Self {
        Self { id: t.template_id.clone(), kind: "firm", name: t.name.clone(), subject: t.subject.clone(), body: t.body.clone(), updated_at: Some(t.updated_at) }
    }
}

fn not_a_firm_template(id: &str) -> Error {
    if id.starts_with("preset:") {
        Error::Forbidden("built-in templates cannot be changed; create your own template instead".into())
    } else {
        Error::NotFound("template")
    }
}

async fn get_firm_template(store: &Store, firm_id: &str, template_id: &str) -> Result<Option<TemplateRecord>> {
    if !crate::domain::is_plausible_id(template_id) {
        return Ok(None);
    }
    store.get::<TemplateRecord>(&keys::firm(firm_id), &keys::template(template_id)).await
}

/// The template an invite uses: a preset by id, the firm's own by id, or the default.
pub async fn load(store: &Store, firm_id: &str, template_id: Option<&str>) -> Result<TemplateSource> {
    let id = template_id.unwrap_or(DEFAULT_PRESET);
    if let Some(p) = preset(id) {
        return Ok(TemplateSource { name: p.name.into(), subject: p.subject.into(), body: p.body.into() });
    }
    match get_firm_template(store, firm_id, id).await? {
        Some(t) => Ok(TemplateSource { name: t.name, subject: t.subject, body: t.body }),
        None => Err(Error::field("template_id", "names no template of your firm or preset")),
    }
}

/// One page of templates: the presets (on the first page only), then the firm's own in
/// the order they were made (ids are UUIDv7): one Query of at most `limit` templates.
pub async fn list(store: &Store, firm_id: &str, page: &PageRequest) -> Result<Page<TemplateView>> {
    let range = KeyRange::prefix(keys::firm(firm_id), keys::prefix::TEMPLATE);
    let firm = store.query_page(&range, Order::OldestFirst, page).await?.try_map(|i| from_item::<TemplateRecord>(i).map(|t| TemplateView::from(&t)))?;
    let presets = if page.cursor.is_none() { PRESETS.iter().map(TemplateView::from).collect() } else { Vec::new() };
    Ok(Page { items: presets.into_iter().chain(firm.items).collect(), next: firm.next })
}

pub async fn get(store: &Store, firm_id: &str, template_id: &str) -> Result<TemplateView> {
    if let Some(p) = preset(template_id) {
        return Ok(p.into());
    }
    get_firm_template(store, firm_id, template_id).await?.map(|t| TemplateView::from(&t)).ok_or(Error::NotFound("template"))
}

pub async fn create(store: &Store, firm_id: &str, input: TemplateInput) -> Result<TemplateView> {
    let t = validate(input.name, input.subject, input.body)?;
    let id = crate::domain::new_id();
    let rec = TemplateRecord {
        pk: keys::firm(firm_id),
        sk: keys::template(&id),
        firm_id: firm_id.into(),
        template_id: id,
        name: t.name,
        subject: t.subject,
        body: t.body,
        updated_at: crate::domain::now(),
    };
    if !store.put_new(&rec).await? {
        return Err(Error::Conflict("a template with this id exists; please retry".into()));
    }
    Ok(TemplateView::from(&rec))
}

pub async fn update(store: &Store, firm_id: &str, template_id: &str, input: TemplateInput) -> Result<TemplateView> {
    let t = validate(input.name, input.subject, input.body)?;
    let mut rec = get_firm_template(store, firm_id, template_id).await?.ok_or_else(|| not_a_firm_template(template_id))?;
    rec.name = t.name;
    rec.subject = t.subject;
    rec.body = t.body;
    rec.updated_at = crate::domain::now();
    store.put(&rec).await?;
    Ok(TemplateView::from(&rec))
}

pub async fn delete(store: &Store, firm_id: &str, template_id: &str) -> Result<()> {
    if get_firm_template(store, firm_id, template_id).await?.is_none() {
        return Err(not_a_firm_template(template_id));
    }
    store.delete(&keys::firm(firm_id), &keys::template(template_id)).await
}
