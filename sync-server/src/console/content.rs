//! Organisation content from the console: the guidance cards a unit's leads write, edit and
//! retire, each with tags, an optional picture with its alt text, and a place in the
//! card-of-the-day rotation.
//!
//! Guidance is read-only on phones (its kind has no device writer), so the console does not
//! write it through its replica as it does a lead's sheet edit: it writes the server's own
//! operations, as the demo seed does, through the same storage push that checks every op
//! against the record schema. Phones of the unit pull them like any change and read them
//! offline. A retired card is tombstoned (`deleted`), so it leaves every phone at its next sync.
//! Pictures are made safe first ([`super::images`]). Every write is in the console audit log.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Extension, Multipart, Path, State};
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};
use steady_core::clock::{Hlc, Timestamp};
use steady_core::guidance::{GuidanceCard, IMAGE_ALT_CHARS, encode_image};
use steady_core::protocol::{Change, EntityKind, OpOutcome, Operation};

use super::images::{self, UPLOAD_BYTES};
use super::pages::{Page, see_other, unit_for};
use super::session::Session;
use super::views::{self, UnitNav, csrf};
use super::{Console, ConsoleError, ConsoleStorage};
use crate::merge::SERVER_DEVICE;
use crate::storage::{Storage, Unit};

/// The longest card title.
const TITLE_CHARS: usize = 200;
/// The longest card body.
const BODY_CHARS: usize = 20_000;
/// The most tags, and characters a tag.
const MAX_TAGS: usize = 20;
const TAG_CHARS: usize = 40;

/// The last wall clock stamped on a console guidance write, so two writes in one millisecond
/// still order (the later wins on every phone).
static LAST_WALL: AtomicU64 = AtomicU64::new(0);

fn stamp(now: Timestamp) -> Hlc {
    let wall = loop {
        let last = LAST_WALL.load(Ordering::SeqCst);
        let next = (now.0.max(0) as u64).max(last + 1);
        if LAST_WALL
            .compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            break next;
        }
    };
    Hlc {
        wall_ms: wall as i64,
        counter: 0,
        device: SERVER_DEVICE.to_string(),
    }
}

/// A card form as sent: text fields and at most one file.
#[derive(Default)]
struct CardForm {
    title: String,
    body: String,
    tags: String,
    featured: bool,
    image_alt: String,
    remove_image: bool,
    file: Option<(Vec<u8>, String)>,
}

fn invalid(message: impl Into<String>) -> ConsoleError {
    ConsoleError::Invalid(format!("{} Nothing was saved.", message.into()))
}

async fn read_form(mut multipart: Multipart) -> Result<CardForm, ConsoleError> {
    let mut form = CardForm::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| invalid("The form could not be read."))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "image" {
            let declared = field.content_type().unwrap_or("").to_string();
            let has_name = field.file_name().is_some_and(|n| !n.is_empty());
            let bytes = field
                .bytes()
                .await
                .map_err(|_| invalid("The picture could not be read."))?;
            if has_name || !bytes.is_empty() {
                form.file = Some((bytes.to_vec(), declared));
            }
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|_| invalid("The form could not be read."))?;
        match name.as_str() {
            "title" => form.title = text,
            "body" => form.body = text,
            "tags" => form.tags = text,
            "featured" => form.featured = true,
            "image_alt" => form.image_alt = text,
            "remove_image" => form.remove_image = true,
            _ => {}
        }
    }
    Ok(form)
}

/// The card's fields from a form, checked with messages a lead can act on (the record schema
/// checks them again when the server writes them).
fn card_fields(form: CardForm, had_image: bool) -> Result<BTreeMap<String, Value>, ConsoleError> {
    let title = form.title.trim().to_string();
    let body = form.body.trim().to_string();
    if title.is_empty() || body.is_empty() {
        return Err(invalid("Give the card a title and the guidance itself."));
    }
    if title.chars().count() > TITLE_CHARS || body.chars().count() > BODY_CHARS {
        return Err(invalid(format!(
            "The title is at most {TITLE_CHARS} characters, the guidance {BODY_CHARS}."
        )));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if tag.chars().count() > TAG_CHARS {
            return Err(invalid(format!(
                "Each tag is at most {TAG_CHARS} characters."
            )));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(invalid(format!("A card has at most {MAX_TAGS} tags.")));
    }
    let alt = form.image_alt.trim().to_string();
    if alt.chars().count() > IMAGE_ALT_CHARS {
        return Err(invalid(format!(
            "The picture's description is at most {IMAGE_ALT_CHARS} characters."
        )));
    }
    let mut fields = BTreeMap::from([
        ("title".to_string(), json!(title)),
        ("body".to_string(), json!(body)),
        ("tags".to_string(), json!(tags)),
        ("featured".to_string(), json!(form.featured)),
    ]);
    match form.file {
        Some((bytes, declared)) => {
            if alt.is_empty() {
                return Err(invalid(
                    "Describe the picture for people who cannot see it (its alt text).",
                ));
            }
            let prepared = images::prepare(&bytes, &declared).map_err(invalid)?;
            fields.insert("image".into(), json!(encode_image(&prepared.bytes)));
            fields.insert("image_alt".into(), json!(alt));
        }
        None if form.remove_image => {
            fields.insert("image".into(), Value::Null);
            fields.insert("image_alt".into(), Value::Null);
        }
        None if had_image => {
            if alt.is_empty() {
                return Err(invalid(
                    "Describe the picture for people who cannot see it (its alt text), or \
                     remove the picture.",
                ));
            }
            fields.insert("image_alt".into(), json!(alt));
        }
        None => {}
    }
    Ok(fields)
}

/// Writes one server operation on a card of `unit` and checks it was applied.
async fn write_card<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    unit: &Unit,
    card_id: &str,
    fields: BTreeMap<String, Value>,
) -> Result<(), ConsoleError> {
    let now = Timestamp::now();
    let op = Operation {
        op_id: format!("console-{}", uuid::Uuid::new_v4().simple()),
        entity: EntityKind::Guidance,
        entity_id: card_id.to_string(),
        unit_id: unit.unit_id.clone(),
        change: Change::Fields(fields),
        stamp: stamp(now),
    };
    let results = console.storage.push(None, &[op], now).await?;
    match results.first().map(|r| &r.outcome) {
        Some(OpOutcome::Applied { .. }) | Some(OpOutcome::Superseded { .. }) => Ok(()),
        Some(OpOutcome::Rejected { detail, .. }) => {
            Err(invalid(format!("The server refused the card: {detail}.")))
        }
        None => Err(ConsoleError::Internal(
            "no outcome for a guidance write".into(),
        )),
    }
}

async fn unit_cards<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    unit_id: &str,
) -> Result<Vec<GuidanceCard>, ConsoleError> {
    let id = unit_id.to_string();
    Ok(console
        .replica
        .read(move |st| st.guidance_cards(&id))
        .await?)
}

/// The live card `card_id` of the unit, or 404 (another unit's, retired, or none).
async fn card_of<S: Storage + ConsoleStorage>(
    console: &Console<S>,
    unit_id: &str,
    card_id: &str,
) -> Result<GuidanceCard, ConsoleError> {
    unit_cards(console, unit_id)
        .await?
        .into_iter()
        .find(|c| c.id == card_id)
        .ok_or(ConsoleError::NotFound)
}

fn html_page(markup: Markup) -> Response {
    use axum::response::IntoResponse;
    axum::response::Html(markup.into_string()).into_response()
}

fn nav(unit: &Unit) -> Option<UnitNav<'_>> {
    Some(UnitNav {
        id: &unit.unit_id,
        name: &unit.name,
    })
}

fn picture(card: &GuidanceCard) -> Markup {
    html! {
        @if let Some(img) = &card.image {
            img class="guidance-image" src={ "data:" (img.media_type) ";base64," (encode_image(&img.bytes)) }
                alt=(img.alt) width=(img.width.min(480)) ;
        }
    }
}

fn card_form(s: &Session, action: &str, card: Option<&GuidanceCard>, button: &str) -> Markup {
    let prefix = card.map(|c| c.id.as_str()).unwrap_or("new");
    let id = |f: &str| format!("{prefix}-{f}");
    html! {
        form method="post" action=(action) enctype="multipart/form-data" {
            (csrf(s))
            label for=(id("title")) { "Title" }
            input type="text" id=(id("title")) name="title" required maxlength=(TITLE_CHARS)
                value=(card.map(|c| c.title.as_str()).unwrap_or(""));
            label for=(id("body")) { "Guidance" }
            textarea id=(id("body")) name="body" required maxlength=(BODY_CHARS) rows="6" {
                (card.map(|c| c.body.as_str()).unwrap_or(""))
            }
            label for=(id("tags")) { "Tags (separated by commas)" }
            input type="text" id=(id("tags")) name="tags"
                value=(card.map(|c| c.tags.join(", ")).unwrap_or_default());
            div class="check" {
                input type="checkbox" id=(id("featured")) name="featured" value="on"
                    checked[card.is_some_and(|c| c.featured)];
                label for=(id("featured")) { "In the card-of-the-day rotation" }
            }
            label for=(id("image")) { "Picture: a poster or flowchart (PNG, JPEG or SVG, at most " (UPLOAD_BYTES / 1024) " KiB; optional)" }
            input type="file" id=(id("image")) name="image" accept="image/png,image/jpeg,image/svg+xml";
            label for=(id("alt")) { "What the picture shows (alt text, needed with a picture)" }
            input type="text" id=(id("alt")) name="image_alt" maxlength=(IMAGE_ALT_CHARS)
                value=(card.and_then(|c| c.image.as_ref()).map(|i| i.alt.as_str()).unwrap_or(""));
            @if card.is_some_and(|c| c.image.is_some()) {
                div class="check" {
                    input type="checkbox" id=(id("remove")) name="remove_image" value="on";
                    label for=(id("remove")) { "Remove the picture" }
                }
            }
            p { "SVG is drawn into a PNG on the server (text must be converted to outlines); photos lose their metadata. Phones get the picture at their next sync and keep it offline." }
            button type="submit" { (button) }
        }
    }
}

/// `GET /console/units/{unit}/guidance`: the unit's cards, today's card of the day, and the
/// form to write one.
pub async fn list<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let cards = unit_cards(&console, &unit.unit_id).await?;
    let today = steady_core::guidance::card_of_the_day_on(&cards, Timestamp::now());
    console
        .audit(
            &s,
            "view",
            &unit.unit_id,
            "unit",
            &[&unit.unit_id],
            "guidance cards",
        )
        .await?;
    let action = format!("/console/units/{}/guidance", unit.unit_id);
    Ok(html_page(views::page(
        &format!("Guidance, {}", unit.name),
        &s,
        nav(&unit),
        html! {
            h1 { "Guidance cards, " (unit.name) }
            p { "Cards reach every phone of the unit at its next sync and can be read offline." }
            section aria-labelledby="today-h" {
                h2 id="today-h" { "Card of the day" }
                @match &today {
                    Some(c) => p data-testid="card-of-the-day" { strong { (c.title) } }
                    None => p { "No cards yet." }
                }
            }
            section aria-labelledby="cards-h" data-testid="guidance-cards" {
                h2 id="cards-h" { "Cards (" (cards.len()) ")" }
                @if cards.is_empty() { p { "This unit has no guidance cards." } }
                ul class="cards" {
                    @for c in &cards {
                        li data-card=(c.id) {
                            h3 { (c.title) }
                            @if c.featured { p class="meta" { "In the card-of-the-day rotation" } }
                            @if !c.tags.is_empty() { p class="meta" { "Tags: " (c.tags.join(", ")) } }
                            p { (c.body) }
                            (picture(c))
                            p { a href={ (action) "/" (c.id) } { "Edit or retire “" (c.title) "”" } }
                        }
                    }
                }
            }
            section aria-labelledby="new-h" {
                h2 id="new-h" { "Write a card" }
                (card_form(&s, &action, None, "Add card"))
            }
        },
    )))
}

/// `GET /console/units/{unit}/guidance/{card}`: one card's edit form and its retire button.
pub async fn edit_form<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path((unit_id, card_id)): Path<(String, String)>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let card = card_of(&console, &unit.unit_id, &card_id).await?;
    console
        .audit(
            &s,
            "view",
            &unit.unit_id,
            "guidance",
            &[&card.id],
            "guidance card",
        )
        .await?;
    let action = format!("/console/units/{}/guidance/{}", unit.unit_id, card.id);
    Ok(html_page(views::page(
        &format!("Edit guidance card, {}", unit.name),
        &s,
        nav(&unit),
        html! {
            h1 { "Edit “" (card.title) "”" }
            p { a href={ "/console/units/" (unit.unit_id) "/guidance" } { "Back to the unit's guidance cards" } }
            (picture(&card))
            (card_form(&s, &action, Some(&card), "Save card"))
            section aria-labelledby="retire-h" {
                h2 id="retire-h" { "Retire this card" }
                p { "A retired card leaves every phone at its next sync. It cannot be brought back; write a new card instead." }
                form method="post" action={ (action) "/retire" } {
                    (csrf(&s))
                    button type="submit" { "Retire card" }
                }
            }
        },
    )))
}

/// `POST /console/units/{unit}/guidance` (multipart): a lead writes a card.
pub async fn create<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path(unit_id): Path<String>,
    multipart: Multipart,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let fields = card_fields(read_form(multipart).await?, false)?;
    let card_id = format!("g-{}", uuid::Uuid::new_v4().simple());
    write_card(&console, &unit, &card_id, fields).await?;
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            "guidance",
            &[&card_id],
            "guidance card written",
        )
        .await?;
    Ok(see_other(&format!(
        "/console/units/{}/guidance",
        unit.unit_id
    )))
}

/// `POST /console/units/{unit}/guidance/{card}` (multipart): a lead edits a card.
pub async fn update<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path((unit_id, card_id)): Path<(String, String)>,
    multipart: Multipart,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let card = card_of(&console, &unit.unit_id, &card_id).await?;
    let fields = card_fields(read_form(multipart).await?, card.image.is_some())?;
    write_card(&console, &unit, &card.id, fields).await?;
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            "guidance",
            &[&card.id],
            "guidance card edited",
        )
        .await?;
    Ok(see_other(&format!(
        "/console/units/{}/guidance",
        unit.unit_id
    )))
}

/// `POST /console/units/{unit}/guidance/{card}/retire`: a lead retires a card (tombstoned).
pub async fn retire<S: Storage + ConsoleStorage>(
    State(console): State<Arc<Console<S>>>,
    Extension(s): Extension<Session>,
    Path((unit_id, card_id)): Path<(String, String)>,
) -> Page {
    let unit = unit_for(&console, &s, &unit_id).await?;
    let card = card_of(&console, &unit.unit_id, &card_id).await?;
    let fields = BTreeMap::from([("deleted".to_string(), json!(true))]);
    write_card(&console, &unit, &card.id, fields).await?;
    console
        .audit(
            &s,
            "change",
            &unit.unit_id,
            "guidance",
            &[&card.id],
            "guidance card retired",
        )
        .await?;
    Ok(see_other(&format!(
        "/console/units/{}/guidance",
        unit.unit_id
    )))
}

/// The `csrf` field of a multipart form body (the guard's check for the card forms).
pub(super) async fn multipart_field(
    content_type: &str,
    body: axum::body::Bytes,
    name: &str,
) -> Option<String> {
    use axum::extract::FromRequest;
    let request = axum::http::Request::builder()
        .header(axum::http::header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
        .ok()?;
    let mut multipart = Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}
