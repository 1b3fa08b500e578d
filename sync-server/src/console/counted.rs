//! The console's incidents, kept up to date as records arrive instead of read whole per page.
//!
//! The dashboard, the incident list and the exports count over every incident of a unit. Read
//! from the replica on each request, that cost grew with the record (at 2,000 incidents a unit,
//! a third of a second a page). Instead each unit's incidents are read once, whole, with the
//! s.6(5) items each lacks, and kept: the core's change observer names every incident a write
//! or a merge touched, and only those are read again before the next page. A unit whose access
//! changed (a purge, a new grant) is read again whole. The counting rules themselves are
//! unchanged: they run over this list as they ran over the one read per request.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use steady_core::changes::{ChangeListener, StoreChange};
use steady_core::incident::Incident;
use steady_core::protocol::EntityKind;
use steady_core::s65::S65Item;
use steady_core::{Error, Store};

/// One unit's incidents, newest first, each with the s.6(5) items it lacks.
#[derive(Debug, Default)]
pub struct UnitIncidents {
    /// The incidents, newest first (ties by id).
    pub incidents: Vec<Incident>,
    /// For each incident, at the same index, the s.6(5) items it lacks.
    pub missing: Vec<Vec<S65Item>>,
}

/// What the change observer has seen since the last page: incidents touched, by unit, and
/// units whose access changed.
#[derive(Debug, Default)]
struct Dirty {
    incidents: HashMap<String, HashSet<String>>,
    units: HashSet<String>,
}

/// Hears the replica's committed changes.
struct Listener(Arc<Mutex<Dirty>>);

impl ChangeListener for Listener {
    fn on_change(&self, change: &StoreChange) {
        let mut dirty = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for r in change
            .records
            .iter()
            .filter(|r| r.kind == EntityKind::Incident)
        {
            dirty
                .incidents
                .entry(r.unit_id.clone())
                .or_default()
                .insert(r.id.clone());
        }
        dirty
            .units
            .extend(change.units_with_new_access.iter().cloned());
    }
}

/// The kept incidents of every unit a page has asked for.
pub struct Counted {
    dirty: Arc<Mutex<Dirty>>,
    units: Mutex<HashMap<String, Kept>>,
}

/// One unit as kept: by id, and the newest-first snapshot pages read (rebuilt on change).
#[derive(Default)]
struct Kept {
    by_id: HashMap<String, (Incident, Vec<S65Item>)>,
    snapshot: Option<Arc<UnitIncidents>>,
}

impl Counted {
    /// Starts listening to `store`'s changes.
    pub fn subscribe(store: &Store) -> Counted {
        let dirty = Arc::new(Mutex::new(Dirty::default()));
        store.subscribe(Arc::new(Listener(dirty.clone())));
        Counted {
            dirty,
            units: Mutex::new(HashMap::new()),
        }
    }

    /// The unit's incidents as they stand in `store` (call after the replica has pulled):
    /// read whole the first time, then only what changed since.
    pub fn unit(&self, store: &Store, unit_id: &str) -> Result<Arc<UnitIncidents>, Error> {
        let (touched, whole) = {
            let mut dirty = self.dirty.lock().unwrap_or_else(|p| p.into_inner());
            (
                dirty.incidents.remove(unit_id).unwrap_or_default(),
                dirty.units.remove(unit_id),
            )
        };
        let mut units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        if whole {
            units.remove(unit_id);
        }
        let kept = match units.get_mut(unit_id) {
            Some(kept) => {
                if !touched.is_empty() {
                    let ids: Vec<String> = touched.into_iter().collect();
                    let fresh = store.incidents_for_counting(unit_id, Some(&ids))?;
                    for id in &ids {
                        kept.by_id.remove(id);
                    }
                    for (incident, missing) in fresh {
                        kept.by_id.insert(incident.id.clone(), (incident, missing));
                    }
                    kept.snapshot = None;
                }
                kept
            }
            None => {
                let by_id = store
                    .incidents_for_counting(unit_id, None)?
                    .into_iter()
                    .map(|(i, m)| (i.id.clone(), (i, m)))
                    .collect();
                units.entry(unit_id.to_string()).or_insert(Kept {
                    by_id,
                    snapshot: None,
                })
            }
        };
        if let Some(snapshot) = &kept.snapshot {
            return Ok(snapshot.clone());
        }
        let mut all: Vec<&(Incident, Vec<S65Item>)> = kept.by_id.values().collect();
        all.sort_by(|a, b| {
            b.0.occurred_at
                .cmp(&a.0.occurred_at)
                .then_with(|| a.0.id.cmp(&b.0.id))
        });
        let snapshot = Arc::new(UnitIncidents {
            incidents: all.iter().map(|(i, _)| i.clone()).collect(),
            missing: all.iter().map(|(_, m)| m.clone()).collect(),
        });
        kept.snapshot = Some(snapshot.clone());
        Ok(snapshot)
    }
}
