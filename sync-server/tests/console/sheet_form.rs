//! The support sheet as one form, saved once, through real HTTP: every text field and list is
//! in one form; one save writes them all (texts, new items, an edited and a removed item);
//! a phone's edit synced meanwhile to a field the lead did not touch is kept; one to a field the
//! lead changed too saves nothing and shows both versions with the lead's text still in the box;
//! saving again from that page keeps the lead's; a form whose loaded values were tampered with
//! is refused. All data is invented.

use super::*;

/// The hidden fields of the sheet form (csrf, version, base:*), as a browser would send them,
/// with each box holding what it was loaded with.
fn loaded_form(html: &str) -> Vec<(String, String)> {
    let form = &html[html
        .find("data-testid=\"sheet-form\"")
        .expect("the sheet form")..];
    let form = &form[..form.find("</form>").expect("form end")];
    let mut fields = Vec::new();
    for part in form.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = part.split('"').next().unwrap_or("").to_string();
        let value = part
            .split("value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or("")
            .to_string();
        if let Some(key) = name.strip_prefix("base:") {
            fields.push((key.to_string(), value.clone()));
        }
        fields.push((name, value));
    }
    fields
}

fn with(mut fields: Vec<(String, String)>, set: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in set {
        match fields.iter_mut().find(|(f, _)| f == k) {
            Some(field) => field.1 = v.to_string(),
            None => fields.push((k.to_string(), v.to_string())),
        }
    }
    fields
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn item_key(html: &str, list: &str, text: &str) -> String {
    let form = &html[html.find("data-testid=\"sheet-form\"").expect("form")..];
    form.split(&format!("name=\"item.{list}."))
        .skip(1)
        .find(|p| {
            p.split('>')
                .next()
                .unwrap_or("")
                .contains(&format!("value=\"{text}\""))
        })
        .and_then(|p| p.split('"').next())
        .map(|id| format!("item.{list}.{id}"))
        .expect("the item's box")
}

pub(super) async fn the_sheet_is_one_form_saved_once_and_a_newer_change_is_never_lost<
    S: Storage + ConsoleStorage,
>(
    f: Fixture<S>,
) {
    let lead = f
        .sign_in("home@example.org", PASSWORD)
        .await
        .expect("signed in");
    let person = person_named(&lead, HOME, "Ren Example").await;
    let page = format!("/console/people/{person}");
    let save = format!("/console/people/{person}/sheet");

    // One save: two texts and two new items.
    let (status, html) = lead.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("data-testid=\"sheet-form\"").count(), 1);
    assert_eq!(html.matches(">Save support sheet</button>").count(), 1);
    assert!(!html.contains(">Save</button>"), "no per-field save left");
    let form = with(
        loaded_form(&html),
        &[
            ("text.about_me.how_to_support", "Speak slowly"),
            ("text.green.settled", "Humming"),
            ("add.amber.what_helps", "Music\r\n\r\nA walk in the garden"),
        ],
    );
    let (status, to) = lead.post(&save, &pairs(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.ends_with("?saved=1"), "{to}");
    let (_, html) = lead.get(&to).await;
    assert!(html.contains("Saved."));
    assert!(html.contains(">Speak slowly</textarea>"));
    assert!(html.contains(">Humming</textarea>"));
    assert!(html.contains("value=\"Music\"") && html.contains("value=\"A walk in the garden\""));

    // An item edited and one removed, in the same one save.
    let music = item_key(&html, "amber.what_helps", "Music");
    let walk = item_key(&html, "amber.what_helps", "A walk in the garden");
    let form = with(
        loaded_form(&html),
        &[(&music, "Music in headphones"), (&walk, "")],
    );
    let (status, _) = lead.post(&save, &pairs(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = lead.get(&page).await;
    assert!(html.contains("value=\"Music in headphones\""));
    assert!(!html.contains("A walk in the garden"));

    // The lead opens the sheet; a phone then edits it and syncs.
    let opened = html;
    let code = lead.enrolment_code(HOME, "editor").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = f.server.url();
    let pid = person.clone();
    tokio::task::spawn_blocking(move || {
        let (store, transport, _) = enrolled_phone(dir.path(), &url, &code);
        store.sync(&transport).expect("sync");
        store
            .set_sheet_text(&pid, SheetText::HowToSupportMe, "Give him time to answer")
            .expect("edit");
        store
            .set_sheet_text(&pid, SheetText::SensoryNeeds, "Quiet room")
            .expect("edit");
        store.sync(&transport).expect("sync");
    })
    .await
    .expect("phone");

    // The lead saves over the same field: nothing is saved, both versions are shown, theirs
    // typed text kept.
    let stale = with(
        loaded_form(&opened),
        &[
            (
                "text.about_me.how_to_support",
                "Speak slowly, one question at a time",
            ),
            ("text.green.routines", "Breakfast at eight"),
        ],
    );
    let (status, html) = lead.post(&save, &pairs(&stale)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("data-testid=\"sheet-conflict\""));
    assert!(html.contains("data-conflict=\"text.about_me.how_to_support\""));
    assert!(html.contains("<blockquote class=\"theirs\">Give him time to answer</blockquote>"));
    assert!(html.contains(">Speak slowly, one question at a time</textarea>"));
    assert!(
        html.contains(">Breakfast at eight</textarea>"),
        "every typed box kept"
    );
    let (_, now) = lead.get(&page).await;
    assert!(now.contains(">Give him time to answer</textarea>"));
    assert!(!now.contains("Breakfast at eight"), "nothing saved");

    // Saving again from the conflict page keeps the lead's, and the phone's other edit.
    let (status, _) = lead.post(&save, &pairs(&loaded_form_typed(&html))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, now) = lead.get(&page).await;
    assert!(now.contains(">Speak slowly, one question at a time</textarea>"));
    assert!(now.contains(">Breakfast at eight</textarea>"));
    assert!(now.contains(">Quiet room</textarea>"));

    // A change elsewhere meanwhile is merged, not overwritten with the form's stale value.
    let stale = with(
        loaded_form(&opened),
        &[("text.about_me.important", "Visits from his sister")],
    );
    let (status, _) = lead.post(&save, &pairs(&stale)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, now) = lead.get(&page).await;
    assert!(now.contains(">Visits from his sister</textarea>"));
    assert!(now.contains(">Quiet room</textarea>"));
    assert!(now.contains(">Speak slowly, one question at a time</textarea>"));

    // Loaded values tampered with: refused, nothing saved.
    let forged = with(
        loaded_form(&now),
        &[
            ("base:text.green.settled", "Something else"),
            ("text.green.settled", "Forged"),
        ],
    );
    let (status, body) = lead.post(&save, &pairs(&forged)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, now) = lead.get(&page).await;
    assert!(!now.contains("Forged"));
}

/// The conflict page's form as a browser sends it: its hidden fields, and its boxes as shown
/// (the lead's typed text).
fn loaded_form_typed(html: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = loaded_form(html)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("text.") && !k.starts_with("item."))
        .collect();
    let form = &html[html.find("data-testid=\"sheet-form\"").expect("form")..];
    for part in form.split("<textarea id=\"").skip(1) {
        let name = part.split('"').next().unwrap_or("").to_string();
        let text = part
            .split_once('>')
            .map(|(_, rest)| rest.split("</textarea>").next().unwrap_or(""))
            .unwrap_or("")
            .to_string();
        fields.push((name, text));
    }
    fields
}
