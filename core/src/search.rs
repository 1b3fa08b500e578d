//! Finding a person fast, offline: full-text search (SQLite FTS5) over names, safety alerts,
//! triggers and early warning signs, ranked so that a name match beats a warning-sign match.
//!
//! The index is derived state, rebuilt for one person inside the same transaction as any change
//! to that person or their sheet, so it is never out of step with what is stored.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::people::{self, SAFETY_ALERTS};
use crate::protocol::EntityKind;
use crate::replica;
use crate::sheet::SheetList;
use crate::store::Store;

/// A person found by a search.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SearchHit {
    /// The person's id.
    pub person_id: String,
    /// Their unit.
    pub unit_id: String,
    /// Name to show.
    pub name: String,
}

/// Rebuilds the search row of one person.
pub(crate) fn reindex_person(conn: &Connection, person_id: &str) -> Result<()> {
    let docid: Option<i64> = conn
        .prepare_cached("SELECT docid FROM search_docs WHERE person_id = ?1")?
        .query_row([person_id], |r| r.get(0))
        .optional()?;
    if let Some(docid) = docid {
        conn.prepare_cached("DELETE FROM people_search WHERE rowid = ?1")?
            .execute([docid])?;
    }
    let person = match replica::load(conn, EntityKind::Person, person_id)? {
        Some(p) if !p.deleted() => p,
        _ => return Ok(()),
    };
    let docid = match docid {
        Some(d) => d,
        None => {
            conn.prepare_cached("INSERT INTO search_docs (person_id) VALUES (?1)")?
                .execute([person_id])?;
            conn.last_insert_rowid()
        }
    };
    let sheet = replica::load(conn, EntityKind::Sheet, person_id)?.unwrap_or_default();
    let join = |record: &replica::Record, list: &str| {
        people::items_of(record, list)
            .into_iter()
            .map(|i| i.text)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let display = person
        .opt_text("preferred_name")
        .unwrap_or_else(|| person.text("display_name"));
    let names = [
        person.text("display_name"),
        person.text("preferred_name"),
        person.text("local_identifier"),
    ]
    .join(" ");
    conn.prepare_cached(
        "INSERT INTO people_search (rowid, person_id, unit_id, display, names, alerts, triggers, warning_signs) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(rusqlite::params![
        docid,
        person_id,
        person.unit_id,
        display,
        names,
        join(&person, SAFETY_ALERTS),
        join(&sheet, SheetList::Triggers.key()),
        join(&sheet, SheetList::WarningSigns.key()),
    ])?;
    Ok(())
}

/// Turns what a worker typed into an FTS5 query: every word must match as a prefix. Quotes
/// make any punctuation typed harmless.
fn fts_query(typed: &str) -> Option<String> {
    let terms: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(8)
        .map(|t| format!("\"{}\"*", t.to_lowercase()))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl Store {
    /// Searches the people of every unit this device can currently see; best match first,
    /// at most `limit` hits.
    pub fn search_people(&self, typed: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(query) = fts_query(typed) else {
            return Ok(Vec::new());
        };
        let now = self.now();
        self.read(|tx| {
            // Rank inside the index first and only then check grants: joining before ranking
            // makes SQLite fetch every matching row (a common warning sign matches thousands).
            // A few extra are ranked in case some fall in units whose access has ended.
            let mut stmt = tx.prepare_cached(
                "SELECT s.person_id, s.unit_id, s.display FROM \
                   (SELECT rowid AS docid, bm25(people_search, 0, 0, 0, 10.0, 5.0, 2.0, 2.0) AS score \
                    FROM people_search WHERE people_search MATCH ?1 ORDER BY score LIMIT ?3 * 4 + 16) AS best \
                 JOIN people_search s ON s.rowid = best.docid \
                 JOIN units u ON u.unit_id = s.unit_id \
                 WHERE u.grant_ends_at IS NULL OR u.grant_ends_at > ?2 \
                 ORDER BY best.score LIMIT ?3",
            )?;
            let rows = stmt.query_map(rusqlite::params![query, now.0, limit], |r| {
                Ok(SearchHit {
                    person_id: r.get(0)?,
                    unit_id: r.get(1)?,
                    name: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_quoted_prefixes() {
        assert_eq!(
            fts_query("Sam  O'Neil").as_deref(),
            Some("\"sam\"* \"o\"* \"neil\"*")
        );
        assert_eq!(fts_query("  \"*)( "), None);
    }
}
