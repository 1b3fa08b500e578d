//! Guidance cards: short organisation-authored guidance, synced to devices read-only.

use serde_json::Value;

use crate::error::Result;
use crate::protocol::EntityKind;
use crate::replica;
use crate::store::Store;
use crate::units::active_grant;

/// A guidance card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GuidanceCard {
    /// The card's id.
    pub id: String,
    /// Its unit.
    pub unit_id: String,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Tags to find it by.
    pub tags: Vec<String>,
}

impl Store {
    /// The guidance cards of a unit, by title.
    pub fn guidance_cards(&self, unit_id: &str) -> Result<Vec<GuidanceCard>> {
        let now = self.now();
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'guidance'",
                )?
                .query_map([unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut cards = Vec::new();
            for id in ids {
                let Some(r) = replica::load(tx, EntityKind::Guidance, &id)? else {
                    continue;
                };
                if r.deleted() {
                    continue;
                }
                let tags = match r.fields.get("tags") {
                    Some(Value::Array(tags)) => tags
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                cards.push(GuidanceCard {
                    title: r.text("title"),
                    body: r.text("body"),
                    tags,
                    unit_id: r.unit_id,
                    id,
                });
            }
            cards.sort_by(|a, b| a.title.cmp(&b.title));
            Ok(cards)
        })
    }
}
