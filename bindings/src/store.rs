//! `SteadyStore`: the device's store as the apps see it — opened with a key from the platform
//! keystore, then the domain calls of the core, one method each.
//!
//! Each method is a thin pass-through: arguments in, the core's own records out, errors mapped
//! by `guard`. The store sits behind an `Arc` so a call in flight keeps it alive while
//! `wipe` (or the foreign object's `close()`) lets it go; a wiped store answers
//! every further call with `Storage`.

use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use steady_core::audit::AuditEvent;
use steady_core::changes::{ChangeListener, StoreChange, SubscriptionId};
use steady_core::checklist::ChecklistTemplate;
use steady_core::checklist_run::ChecklistResult;
use steady_core::clock::Timestamp;
use steady_core::codes::RestrictiveInterventionType;
use steady_core::guidance::GuidanceCard;
use steady_core::handover::HandoverNote;
use steady_core::huddle::{ChecklistPoint, Huddle};
use steady_core::incident::{
    Identification, Incident, IncidentDetails, IncidentSummary, PostIncidentReview, QuickCapture,
    SubmitOutcome, UseOfForce,
};
use steady_core::observation::PhysicalObservation;
use steady_core::outbox::OutboxStatus;
use steady_core::people::{NewPerson, Person, PersonSummary};
use steady_core::proposals::{
    DeclinedProposal, ItemSource, PendingProposal, PlanProposal, StrategyOutcome,
};
use steady_core::restraint::{CautionList, RestraintProfile};
use steady_core::s65::S65Item;
use steady_core::search::SearchHit;
use steady_core::sheet::{AmberCard, SheetList, SheetText, SupportSheet};
use steady_core::timeline::NewTimelineEvent;
use steady_core::units::UnitAccess;
use steady_core::{StaffMember, Store, StoreKey, WallClock};
use zeroize::Zeroizing;

use crate::error::{KeyError, SteadyError, guard};

/// Where the store's key comes from: the app implements this over the Android Keystore (a
/// wrapped random key) or the iOS Keychain (`AfterFirstUnlockThisDeviceOnly`).
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    /// The store's raw 32-byte key. Called once per open; the bytes are zeroed after use.
    fn database_key(&self) -> Result<Vec<u8>, KeyError>;
}

/// Hears what each committed write changed (a save on this device, a sync page merged, a grant
/// given, ended or purged), instead of reloading every screen after every save. Called on the
/// thread that wrote, after the commit: post to the main thread and return. Reloading what
/// changed is cheap and is not audited again (views of the same record within ten minutes are
/// one viewing).
#[uniffi::export(with_foreign)]
pub trait StoreListener: Send + Sync {
    /// `change` was committed.
    fn on_change(&self, change: StoreChange);
}

/// A [`SteadyStore::subscribe`] in force. `cancel()` (or releasing it: Kotlin `close()`, Swift
/// its last reference) stops the calls.
#[derive(uniffi::Object)]
pub struct Subscription {
    store: Weak<Store>,
    id: Mutex<Option<SubscriptionId>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the listener's calls. Safe to call twice.
    pub fn cancel(&self) {
        let id = self.id.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let (Some(id), Some(store)) = (id, self.store.upgrade()) {
            store.unsubscribe(id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Carries the foreign listener into the core's listener list.
struct ForeignListener(Arc<dyn StoreListener>);

impl ChangeListener for ForeignListener {
    fn on_change(&self, change: &StoreChange) {
        self.0.on_change(change.clone());
    }
}

/// The device's store: everything Steady keeps on the phone, encrypted.
///
/// Every method blocks: call it off the main thread (Kotlin `Dispatchers.IO`, a Swift
/// background `Task`). Any thread may call any method at any time; writes are serialised inside.
/// Close it (Kotlin `use {}` / `close()`) when done; Swift releases it with its last reference.
#[derive(uniffi::Object)]
pub struct SteadyStore {
    store: RwLock<Option<Arc<Store>>>,
    #[cfg(any(test, feature = "testing"))]
    pub(crate) clock: Arc<crate::testing::TestingClock>,
    pub(crate) transport: crate::sync::TransportCache,
}

impl std::fmt::Debug for SteadyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SteadyStore").finish_non_exhaustive()
    }
}

impl SteadyStore {
    /// The open store, or an error once it has been wiped.
    pub(crate) fn store(&self) -> Result<Arc<Store>, SteadyError> {
        self.store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| SteadyError::Storage {
                detail: "the store has been wiped".into(),
            })
    }

    /// Runs `call` on the open store under `guard`.
    pub(crate) fn with<T>(
        &self,
        call: impl FnOnce(&Store) -> steady_core::Result<T>,
    ) -> Result<T, SteadyError> {
        guard(|| {
            let store = self.store()?;
            call(&store).map_err(SteadyError::from)
        })
    }

    fn wall_clock(&self) -> Arc<dyn WallClock> {
        #[cfg(any(test, feature = "testing"))]
        {
            self.clock.clone()
        }
        #[cfg(not(any(test, feature = "testing")))]
        {
            Arc::new(steady_core::SystemClock)
        }
    }
}

#[uniffi::export]
impl SteadyStore {
    /// Opens (or creates) the store at `path` with the key from `keys`. A wrong key
    /// (`WrongKey`), a damaged file or a store from a newer Steady
    /// (`Storage`) is refused and the file left as it was. Blocking.
    #[uniffi::constructor]
    pub fn open(path: String, keys: Arc<dyn KeyProvider>) -> Result<Arc<Self>, SteadyError> {
        guard(|| {
            let bytes = Zeroizing::new(keys.database_key().map_err(SteadyError::from)?);
            let key = StoreKey::from_bytes(&bytes)?;
            let facade = SteadyStore {
                store: RwLock::new(None),
                #[cfg(any(test, feature = "testing"))]
                clock: Arc::default(),
                transport: Default::default(),
            };
            let store = Store::open_with_clock(&path, &key, facade.wall_clock())?;
            *facade.store.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(store));
            Ok::<_, SteadyError>(Arc::new(facade))
        })
    }

    /// Calls `listener` after every committed change until the returned subscription is
    /// cancelled or released. Subscribe once per screen (or once per app, fanned out).
    pub fn subscribe(
        &self,
        listener: Arc<dyn StoreListener>,
    ) -> Result<Arc<Subscription>, SteadyError> {
        guard(|| {
            let store = self.store()?;
            let id = store.subscribe(Arc::new(ForeignListener(listener)));
            Ok::<_, SteadyError>(Arc::new(Subscription {
                store: Arc::downgrade(&store),
                id: Mutex::new(Some(id)),
            }))
        })
    }

    /// This device's id (leads see it when they end a grant or revoke the device).
    pub fn device_id(&self) -> Result<String, SteadyError> {
        self.with(|s| Ok(s.device_id().to_string()))
    }

    /// Sets who is using the device; their name and job title are stamped on what they record.
    pub fn set_staff_member(&self, staff: StaffMember) -> Result<(), SteadyError> {
        self.with(|s| s.set_staff_member(staff))
    }

    /// Who is using the device.
    pub fn staff_member(&self) -> Result<StaffMember, SteadyError> {
        self.with(|s| Ok(s.staff_member()))
    }

    // --- Units and people -------------------------------------------------------------------

    /// The units this device knows, with whether access is still active and what is pending.
    pub fn units(&self) -> Result<Vec<UnitAccess>, SteadyError> {
        self.with(|s| s.units())
    }

    /// The people of a unit in the core's shift order (pinned on this phone, then a safety alert
    /// or a recent event, then the rest, by the name staff use), with safety alerts, the
    /// overdue-review flag, the pin and the recent event.
    pub fn people(&self, unit_id: String) -> Result<Vec<PersonSummary>, SteadyError> {
        self.with(|s| s.people(&unit_id))
    }

    /// Pins a person on this phone (`pinned` true: listed first by `people`) or unpins them.
    /// Any role; the pin is never synced and leaves the device with the unit's data.
    pub fn pin_person(&self, person_id: String, pinned: bool) -> Result<(), SteadyError> {
        self.with(|s| s.pin_person(&person_id, pinned))
    }

    /// One person (audited as a view).
    pub fn person(&self, person_id: String) -> Result<Person, SteadyError> {
        self.with(|s| s.person(&person_id))
    }

    /// Finds people by name, safety alert, trigger or warning sign; best match first, each hit
    /// with the line that matched.
    pub fn search_people(&self, text: String, limit: u32) -> Result<Vec<SearchHit>, SteadyError> {
        self.with(|s| s.search_people(&text, limit))
    }

    /// Adds a person to a unit (editor or lead). Returns their id.
    pub fn create_person(&self, unit_id: String, person: NewPerson) -> Result<String, SteadyError> {
        self.with(|s| s.create_person(&unit_id, person))
    }

    /// Changes a person's names or identifier (editor or lead). `null` leaves a field as it is;
    /// an empty string clears an optional one.
    pub fn update_person(
        &self,
        person_id: String,
        display_name: Option<String>,
        preferred_name: Option<String>,
        local_identifier: Option<String>,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.update_person(&person_id, display_name, preferred_name, local_identifier))
    }

    /// Removes a person from the unit (editor or lead).
    pub fn remove_person(&self, person_id: String) -> Result<(), SteadyError> {
        self.with(|s| s.remove_person(&person_id))
    }

    /// Adds a safety alert before `before` (an alert id) or at the end (editor or lead).
    pub fn add_safety_alert(
        &self,
        person_id: String,
        text: String,
        before: Option<String>,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_safety_alert(&person_id, &text, before.as_deref()))
    }

    /// Removes a safety alert (editor or lead).
    pub fn remove_safety_alert(
        &self,
        person_id: String,
        alert_id: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.remove_safety_alert(&person_id, &alert_id))
    }

    /// Sets or clears a person's NHS number (editor or lead): the consistent identifier a
    /// use-of-force record needs (s.6(5)(g)). Checked by its check digit; spaces and hyphens as
    /// typed are dropped; `null` or "" clears it. A bad number is `Validation` of
    /// `Field.NhsNumber`.
    pub fn set_nhs_number(
        &self,
        person_id: String,
        nhs_number: Option<String>,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.set_nhs_number(&person_id, nhs_number.as_deref()))
    }

    /// Sets the restrictive interventions a safety alert or a contraindication rules out
    /// (editor or lead): starting one of them on the person then needs a confirmed reason. An
    /// empty list makes it a caution to read only.
    pub fn set_caution_avoids(
        &self,
        person_id: String,
        list: CautionList,
        item_id: String,
        avoid: Vec<RestrictiveInterventionType>,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.set_caution_avoids(&person_id, list, &item_id, avoid))
    }

    /// What the restraint flow shows from its first tap: the person's safety alerts and
    /// contraindications, each with what it rules out, and what the plan authorises. Show it
    /// before and while force is used; `Contraindicated` names the cautions by id from here.
    pub fn restraint_profile(&self, person_id: String) -> Result<RestraintProfile, SteadyError> {
        self.with(|s| s.restraint_profile(&person_id))
    }

    // --- Support sheets -------------------------------------------------------------------------

    /// The amber card: safety alerts first, then early warning signs, what helps and what to
    /// avoid. The two-tap answer to "what helps now?" (audited as a view).
    pub fn amber_card(&self, person_id: String) -> Result<AmberCard, SteadyError> {
        self.with(|s| s.amber_card(&person_id))
    }

    /// The whole support sheet (audited as a view).
    pub fn support_sheet(&self, person_id: String) -> Result<SupportSheet, SteadyError> {
        self.with(|s| s.support_sheet(&person_id))
    }

    /// Sets one text field of a sheet; empty text clears it (editor or lead).
    pub fn set_sheet_text(
        &self,
        person_id: String,
        field: SheetText,
        text: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.set_sheet_text(&person_id, field, &text))
    }

    /// Adds an item to a sheet list before `before` or at the end; returns its id (editor or
    /// lead).
    pub fn add_sheet_item(
        &self,
        person_id: String,
        list: SheetList,
        text: String,
        before: Option<String>,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_sheet_item(&person_id, list, &text, before.as_deref()))
    }

    /// Changes an item's text (editor or lead).
    pub fn edit_sheet_item(
        &self,
        person_id: String,
        list: SheetList,
        item_id: String,
        text: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.edit_sheet_item(&person_id, list, &item_id, &text))
    }

    /// Moves an item before `before`, or to the end (editor or lead).
    pub fn move_sheet_item(
        &self,
        person_id: String,
        list: SheetList,
        item_id: String,
        before: Option<String>,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.move_sheet_item(&person_id, list, &item_id, before.as_deref()))
    }

    /// Removes an item (editor or lead).
    pub fn remove_sheet_item(
        &self,
        person_id: String,
        list: SheetList,
        item_id: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.remove_sheet_item(&person_id, list, &item_id))
    }

    /// Records a restrictive intervention authorised in the care plan (editor or lead).
    pub fn add_authorised_intervention(
        &self,
        person_id: String,
        intervention: RestrictiveInterventionType,
        note: String,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_authorised_intervention(&person_id, intervention, &note))
    }

    /// Removes an authorised intervention (editor or lead).
    pub fn remove_authorised_intervention(
        &self,
        person_id: String,
        item_id: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.remove_authorised_intervention(&person_id, &item_id))
    }

    /// Marks the sheet reviewed now by the staff member, next review due at `next_due` (epoch
    /// ms; editor or lead).
    pub fn mark_sheet_reviewed(
        &self,
        person_id: String,
        next_due: Timestamp,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.mark_sheet_reviewed(&person_id, next_due))
    }

    // --- Checklists -----------------------------------------------------------------------------

    /// The checklists available: the person's own (if `person_id` is given and their sheet has
    /// warning signs), STAMP, and imported ones.
    pub fn checklist_templates(
        &self,
        person_id: Option<String>,
    ) -> Result<Vec<ChecklistTemplate>, SteadyError> {
        self.with(|s| s.checklist_templates(person_id))
    }

    /// Imports a licensed organisation's checklist template (JSON). Text that is not JSON is a
    /// `Validation` of field `template`.
    pub fn import_checklist_template(
        &self,
        json: String,
    ) -> Result<ChecklistTemplate, SteadyError> {
        self.with(|s| match s.import_checklist_template(&json) {
            Err(steady_core::Error::Json(e)) => Err(steady_core::Error::invalid(
                "template",
                format!("is not valid JSON: {e}"),
            )),
            other => other,
        })
    }

    /// Scores and saves a checklist run (any role). A moderate or high band for a known person
    /// comes back with their own "what helps" and "what to avoid".
    pub fn run_checklist(
        &self,
        unit_id: String,
        template_id: String,
        person_id: Option<String>,
        present: Vec<String>,
    ) -> Result<ChecklistResult, SteadyError> {
        self.with(|s| s.run_checklist(&unit_id, &template_id, person_id, present))
    }

    // --- Incidents ------------------------------------------------------------------------------

    /// Records an incident in one call (any role): only the unit and a note are needed.
    /// Returns its id once it is durably saved.
    pub fn capture_incident(&self, capture: QuickCapture) -> Result<String, SteadyError> {
        self.with(|s| s.capture_incident(capture))
    }

    /// Completes a draft; `null` fields are left as they are.
    pub fn update_incident(
        &self,
        incident_id: String,
        details: IncidentDetails,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.update_incident(&incident_id, details))
    }

    /// Adds a use of force to a draft (its `id` is ignored); returns the entry's id. If the
    /// person's own cautions rule the intervention out it is refused (`Contraindicated`) unless
    /// `contraindication_override` gives the confirmed reason; `in_care_plan` left empty is
    /// taken from the plan.
    pub fn add_use_of_force(
        &self,
        incident_id: String,
        entry: UseOfForce,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_use_of_force(&incident_id, entry))
    }

    /// Replaces a use-of-force entry (matched by its `id`).
    pub fn update_use_of_force(
        &self,
        incident_id: String,
        entry: UseOfForce,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.update_use_of_force(&incident_id, entry))
    }

    /// Removes a use-of-force entry from a draft.
    pub fn remove_use_of_force(
        &self,
        incident_id: String,
        entry_id: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.remove_use_of_force(&incident_id, &entry_id))
    }

    /// Records a post-incident review (debrief) held or declined after the incident was
    /// submitted — usually the next day — as its own append-only entry, counted with the
    /// debriefs. The recorder or a lead. Held needs `held_at`; not held needs `why_not`.
    /// Returns the entry's id.
    pub fn add_post_incident_review(
        &self,
        incident_id: String,
        review: PostIncidentReview,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_post_incident_review(&incident_id, review))
    }

    /// Records physical observations (breathing, colour, consciousness, position, vital signs)
    /// taken during or after a restraint, or after rapid tranquillisation: an entry appended
    /// to the incident, on a draft from the first minute of a hold or after submission for the
    /// checks that follow. Anyone working in the unit, under their own name. An empty
    /// observation, a missing phase or a vital sign out of its range is refused
    /// (`Validation`, field `Observation`). Returns the entry's id.
    pub fn add_physical_observation(
        &self,
        incident_id: String,
        observation: PhysicalObservation,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_physical_observation(&incident_id, observation))
    }

    /// Records one moment on a draft's timeline with one tap ("arrived", "called for
    /// support", "support arrived" with who came, "staff swapped", "sedation", "handover"),
    /// stamped now unless `at` says earlier; kept in the order the moments happened. "Other"
    /// needs a note. Returns the event's id.
    pub fn add_timeline_event(
        &self,
        incident_id: String,
        event: NewTimelineEvent,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_timeline_event(&incident_id, event))
    }

    /// Removes a moment tapped by mistake from a draft's timeline.
    pub fn remove_timeline_event(
        &self,
        incident_id: String,
        event_id: String,
    ) -> Result<(), SteadyError> {
        self.with(|s| s.remove_timeline_event(&incident_id, &event_id))
    }

    /// Links a person unknown at the time (a HEMS patient) to the receiving hospital's
    /// identifier or their NHS number (checked by its check digit), as an addendum after
    /// submission: the sealed record keeps what was known then. The recorder or a lead.
    pub fn identify_patient(
        &self,
        incident_id: String,
        identification: Identification,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.identify_patient(&incident_id, identification))
    }

    /// Proposes a change to the incident's person's support sheet — a trigger, an early
    /// warning sign, what helps, what to avoid — from the incident or its debrief: anyone in
    /// the unit, on a draft or after submission, attributed and linked to the incident.
    /// Returns the proposal's entry id.
    pub fn propose_plan_change(
        &self,
        incident_id: String,
        proposal: PlanProposal,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.propose_plan_change(&incident_id, proposal))
    }

    /// Beside each of the person's "what helps" strategies, how often it was tried in an
    /// incident and how often it helped.
    pub fn strategy_outcomes(
        &self,
        person_id: String,
    ) -> Result<Vec<StrategyOutcome>, SteadyError> {
        self.with(|s| s.strategy_outcomes(&person_id))
    }

    /// The shift huddle of a unit over the last `hours` (1–168; 24–72 at a handover): who had
    /// a red event (a use of force, physical aggression) or an amber one, whose checklist was
    /// moderate or high, the open drafts, the sheets overdue for review, and the handover notes
    /// written in the period (newest first).
    pub fn shift_huddle(&self, unit_id: String, hours: u32) -> Result<Huddle, SteadyError> {
        self.with(|s| s.shift_huddle(&unit_id, hours))
    }

    /// Writes a handover note for the unit's next shift (any role in the unit), about
    /// `person_id` of the unit if given, signed with this device's member of staff's name and
    /// job title. `text`: 1 to 2000 characters, trimmed. Returns the note as the huddle lists it.
    pub fn add_handover_note(
        &self,
        unit_id: String,
        person_id: Option<String>,
        text: String,
    ) -> Result<HandoverNote, SteadyError> {
        self.with(|s| s.add_handover_note(&unit_id, person_id, &text))
    }

    /// Corrects the words of a handover note: only its author, within 12 hours of writing it.
    pub fn edit_handover_note(&self, note_id: String, text: String) -> Result<(), SteadyError> {
        self.with(|s| s.edit_handover_note(&note_id, &text))
    }

    /// A person's checklist runs as a series, oldest first (read for its direction).
    pub fn checklist_history(&self, person_id: String) -> Result<Vec<ChecklistPoint>, SteadyError> {
        self.with(|s| s.checklist_history(&person_id))
    }

    /// The unit's review queue: proposals neither accepted nor declined, oldest first.
    pub fn plan_proposals(&self, unit_id: String) -> Result<Vec<PendingProposal>, SteadyError> {
        self.with(|s| s.plan_proposals(&unit_id))
    }

    /// Accepts a proposal: its item joins the person's sheet, linked to its incident (editor
    /// or lead). Returns the sheet item's id.
    pub fn accept_proposal(&self, source: ItemSource) -> Result<String, SteadyError> {
        self.with(|s| s.accept_proposal(&source))
    }

    /// Declines a proposal with a reason kept on the sheet (editor or lead).
    pub fn decline_proposal(
        &self,
        source: ItemSource,
        reason: String,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.decline_proposal(&source, &reason))
    }

    /// The proposals declined on a person's sheet, with their reasons.
    pub fn declined_proposals(
        &self,
        person_id: String,
    ) -> Result<Vec<DeclinedProposal>, SteadyError> {
        self.with(|s| s.declined_proposals(&person_id))
    }

    /// The s.6(5) items the incident still lacks (empty when no force was used).
    pub fn missing_use_of_force_items(
        &self,
        incident_id: String,
    ) -> Result<Vec<S65Item>, SteadyError> {
        self.with(|s| s.missing_use_of_force_items(&incident_id))
    }

    /// Submits a draft; it is locked afterwards. In a mental health unit a use of force lacking
    /// s.6(5) items is refused (`Validation`, field `use_of_force`); elsewhere they come back
    /// as advice.
    pub fn submit_incident(&self, incident_id: String) -> Result<SubmitOutcome, SteadyError> {
        self.with(|s| s.submit_incident(&incident_id))
    }

    /// Adds an addendum to a submitted incident (its recorder or a lead); returns its id.
    pub fn add_addendum(
        &self,
        incident_id: String,
        reason: String,
        text: String,
    ) -> Result<String, SteadyError> {
        self.with(|s| s.add_addendum(&incident_id, &reason, &text))
    }

    /// One incident (audited as a view).
    pub fn incident(&self, incident_id: String) -> Result<Incident, SteadyError> {
        self.with(|s| s.incident(&incident_id))
    }

    /// A unit's incidents, newest first.
    pub fn incidents(&self, unit_id: String) -> Result<Vec<IncidentSummary>, SteadyError> {
        self.with(|s| s.incidents(&unit_id))
    }

    // --- Guidance, audit, housekeeping ----------------------------------------------------------

    /// The guidance cards of a unit, by title, each with its tags and its picture (PNG or
    /// JPEG bytes, media type, alt text) when it has one; retired cards are not listed.
    pub fn guidance_cards(&self, unit_id: String) -> Result<Vec<GuidanceCard>, SteadyError> {
        self.with(|s| s.guidance_cards(&unit_id))
    }

    /// The unit's card of the day on today's UK (Europe/London) date: the featured cards in
    /// turn, or every card when none is featured; `None` when the unit has no cards.
    pub fn card_of_the_day(&self, unit_id: String) -> Result<Option<GuidanceCard>, SteadyError> {
        self.with(|s| s.card_of_the_day(&unit_id))
    }

    /// The audit events about one record, oldest first.
    pub fn audit_trail_for(&self, entity_id: String) -> Result<Vec<AuditEvent>, SteadyError> {
        self.with(|s| s.audit_trail_for(&entity_id))
    }

    /// Checks the whole audit chain; returns the number of events.
    pub fn verify_audit_trail(&self) -> Result<u64, SteadyError> {
        self.with(|s| s.verify_audit_trail())
    }

    /// How many changes wait to be sent, and how many the server refused.
    pub fn outbox_status(&self) -> Result<OutboxStatus, SteadyError> {
        self.with(|s| s.outbox_status())
    }

    /// Removes the data of units whose grant has ended and that have nothing left to send;
    /// returns their ids. Sync does this too; the app may call it at start-up.
    pub fn purge_ended_units(&self) -> Result<Vec<String>, SteadyError> {
        self.with(|s| s.purge_ended_units())
    }

    /// Runs SQLite's and SQLCipher's integrity checks.
    pub fn check_integrity(&self) -> Result<(), SteadyError> {
        self.with(|s| s.check_integrity())
    }

    /// Closes the store and deletes its files: after `Revoked`, or at sign-out.
    /// The app deletes the key from the keystore afterwards. Waits (up to 10 s) for calls in
    /// flight on other threads; every later call answers `Storage`.
    pub fn wipe(&self) -> Result<(), SteadyError> {
        guard(|| {
            let taken = self.store.write().unwrap_or_else(|p| p.into_inner()).take();
            let Some(mut store) = taken else {
                return Ok(());
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match Arc::try_unwrap(store) {
                    Ok(store) => return store.wipe().map_err(SteadyError::from),
                    Err(shared) if Instant::now() < deadline => {
                        store = shared;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(shared) => {
                        // Put it back so the app can try again once the other call is done.
                        *self.store.write().unwrap_or_else(|p| p.into_inner()) = Some(shared);
                        return Err(SteadyError::Storage {
                            detail: "another call is still using the store; try again".into(),
                        });
                    }
                }
            }
        })
    }
}
