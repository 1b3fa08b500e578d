//! Finding a person fast, offline: full-text search (SQLite FTS5) over names, safety alerts,
//! triggers and early warning signs, ranked so that a name match beats a warning-sign match.
//! Each hit says why it matched: the line that matched and where it is ("Warning sign: Pacing
//! and rubbing hands"), found with FTS5's `highlight()` so it is exactly what the index matched.
//!
//! The index is derived state, rebuilt for one person inside the same transaction as any change
//! to that person or their sheet, so it is never out of step with what is stored. Every column
//! holds one line per item (names: the recorded name, the preferred name, the identifier).

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
    /// The line that matched and where it is, when it can be told.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub matched: Option<SearchMatch>,
}

/// Where a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SearchField {
    /// The name as recorded.
    Name,
    /// What they like to be called.
    PreferredName,
    /// The organisation's identifier.
    Identifier,
    /// A safety alert.
    SafetyAlert,
    /// A trigger.
    Trigger,
    /// An early warning sign.
    WarningSign,
}

impl SearchField {
    /// Words for where it matched, before the line ("Trigger").
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::PreferredName => "Likes to be called",
            Self::Identifier => "Identifier",
            Self::SafetyAlert => "Safety alert",
            Self::Trigger => "Trigger",
            Self::WarningSign => "Warning sign",
        }
    }
}

/// The line a search matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SearchMatch {
    /// Where it matched.
    pub field: SearchField,
    /// The whole line that matched, as stored ("Loud alarms").
    pub text: String,
    /// The line to show under the name: where, then the line ("Trigger: Loud alarms").
    pub line: String,
}

/// Rebuilds every person's search row (an upgrade that changes what a row holds).
pub(crate) fn reindex_everyone(conn: &Connection) -> Result<()> {
    let people: Vec<String> = conn
        .prepare("SELECT entity_id FROM entities WHERE entity = 'person'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for person in people {
        reindex_person(conn, &person)?;
    }
    Ok(())
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
    // One line each, in this order, so a match can say which name it was (`NAME_LINES`).
    let names = [
        person.text("display_name"),
        person.text("preferred_name"),
        person.text("local_identifier"),
    ]
    .join("\n");
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

/// What the lines of the `names` column are, in order.
const NAME_LINES: [SearchField; 3] = [
    SearchField::Name,
    SearchField::PreferredName,
    SearchField::Identifier,
];

/// What the indexed columns 3 to 6 of `people_search` hold (`None`: the names, one per line,
/// see `NAME_LINES`), most telling first: a tie between two lines goes to the earlier column.
const MATCH_COLUMNS: [Option<SearchField>; 4] = [
    None,
    Some(SearchField::SafetyAlert),
    Some(SearchField::Trigger),
    Some(SearchField::WarningSign),
];

/// Marks around the matched words in `highlight()`: control characters typed text does not
/// hold (if a stored line ever did, only the choice of line to show could be off).
const OPEN: char = '\u{2}';
const CLOSE: char = '\u{3}';

/// The line of one indexed person that best explains the match: the line with the most
/// distinct matched words, the earlier column on a tie. One query for the four columns.
fn best_match(conn: &Connection, query: &str, docid: i64) -> Result<Option<SearchMatch>> {
    let marked: Option<[String; 4]> = conn
        .prepare_cached(
            "SELECT highlight(people_search, 3, char(2), char(3)), \
                    highlight(people_search, 4, char(2), char(3)), \
                    highlight(people_search, 5, char(2), char(3)), \
                    highlight(people_search, 6, char(2), char(3)) \
             FROM people_search WHERE people_search MATCH ?1 AND rowid = ?2",
        )?
        .query_row(rusqlite::params![query, docid], |r| {
            Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
        })
        .optional()?;
    let Some(marked) = marked else {
        return Ok(None);
    };
    let mut best: Option<(usize, SearchMatch)> = None;
    for (column, field) in marked.iter().zip(MATCH_COLUMNS) {
        let lines: Vec<&str> = column.split('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            let words = marked_words(line);
            if words == 0 || best.as_ref().is_some_and(|(n, _)| *n >= words) {
                continue;
            }
            let field = match field {
                Some(f) => f,
                None if lines.len() == NAME_LINES.len() => NAME_LINES[i],
                // An index row written before names had a line each: one line, the name.
                None => SearchField::Name,
            };
            let text: String = line.chars().filter(|c| *c != OPEN && *c != CLOSE).collect();
            let text = text.trim().to_string();
            best = Some((
                words,
                SearchMatch {
                    field,
                    line: format!("{}: {text}", field.label()),
                    text,
                },
            ));
        }
    }
    Ok(best.map(|(_, m)| m))
}

/// How many distinct words `highlight()` marked in `line`.
fn marked_words(line: &str) -> usize {
    let mut words: Vec<String> = line
        .split(OPEN)
        .skip(1)
        .filter_map(|part| part.split_once(CLOSE).map(|(w, _)| w.to_lowercase()))
        .collect();
    words.sort();
    words.dedup();
    words.len()
}

impl Store {
    /// Searches the people of every unit this device can currently see; best match first,
    /// at most `limit` hits, each with the line that matched.
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
                "SELECT s.person_id, s.unit_id, s.display, s.rowid FROM \
                   (SELECT rowid AS docid, bm25(people_search, 0, 0, 0, 10.0, 5.0, 2.0, 2.0) AS score \
                    FROM people_search WHERE people_search MATCH ?1 ORDER BY score LIMIT ?3 * 4 + 16) AS best \
                 JOIN people_search s ON s.rowid = best.docid \
                 JOIN units u ON u.unit_id = s.unit_id \
                 WHERE u.grant_ends_at IS NULL OR u.grant_ends_at > ?2 \
                 ORDER BY best.score LIMIT ?3",
            )?;
            let rows = stmt.query_map(rusqlite::params![query, now.0, limit], |r| {
                Ok((
                    SearchHit {
                        person_id: r.get(0)?,
                        unit_id: r.get(1)?,
                        name: r.get(2)?,
                        matched: None,
                    },
                    r.get::<_, i64>(3)?,
                ))
            })?;
            let hits: Vec<(SearchHit, i64)> = rows.collect::<rusqlite::Result<_>>()?;
            hits.into_iter()
                .map(|(mut hit, docid)| {
                    hit.matched = best_match(tx, &query, docid)?;
                    Ok(hit)
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{fts_query, marked_words};

    #[test]
    fn marked_words_are_counted_once_each() {
        assert_eq!(
            marked_words("\u{2}Pacing\u{3} and \u{2}pacing\u{3} again"),
            1
        );
        assert_eq!(marked_words("\u{2}Rubbing\u{3} his \u{2}hands\u{3}"), 2);
        assert_eq!(marked_words("Loud alarms"), 0);
    }

    #[test]
    fn typed_words_become_quoted_prefixes() {
        assert_eq!(
            fts_query("Sam  O'Neil").as_deref(),
            Some("\"sam\"* \"o\"* \"neil\"*")
        );
        assert_eq!(fts_query("  \"*)( "), None);
    }
}
