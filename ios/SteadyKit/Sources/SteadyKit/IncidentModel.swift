// Completing, submitting and adding to one incident: the details form, de-escalation (the
// person's own "what helps" first), use-of-force entries with running timers and the prone
// 10-minute alert, the list of s.6(5) items still missing (the core's), submission, and addenda
// once submitted.
//
// The prone alert is twofold: a local notification scheduled for the moment a running prone
// hold will pass 10 minutes (so it sounds even if the phone is locked or the app is in the
// background), and an in-app alert when the screen's once-a-second `tick()` finds it past. The
// notification carries no personal data: it is shown on the lock screen.
//
// When it happened is changed on its own and saved at once (`changeOccurredAt`), not with the
// rest of the form: it may only move into the past (the core takes any time, so the model
// checks), and only while the incident is a draft.
//
// A use of force is usually written up after the event: an entry can be added with no times
// (`addUseOfForce(_:startNow: false)`), its start and end entered or corrected afterwards
// (`setTime`, within `ForceTimeRule`), its reason and care-plan answer changed, and an entry
// started by mistake removed while a draft — asked first (`requestRemoval`, then
// `confirmRemoval`); the core records the removal as a change of the draft, synced like any
// other. Submit asks first too (`requestSubmit`): the confirmation says what will be locked and
// which s.6(5) items are still missing, and nothing is submitted until `submit()`.
//
// The person in the restraint flow (RestraintFlow.swift): `load` reads the person's
// `restraintProfile` with the incident, so their safety alerts, contraindications and what the
// plan authorises are on screen before the first intervention is chosen, and `choices` marks
// the interventions their cautions rule out. Starting one of those does not call the core: it
// opens `overrideRequest` (the cautions in their words and a required reason); only
// `confirmOverride` records it, with the reason in `contraindicationOverride`, and
// `cancelOverride` records nothing. When the core itself refuses a change as `Contraindicated`
// (a caution that arrived by sync, or was given its bar meanwhile), the same request opens for
// that change. "In the care plan" left unanswered is filled by the core from the plan; the
// plan's answer is shown beside it (`carePlanLine`) and it can be changed.
//
// Physical observations (Observations.swift): `observationDraft` is the quick form, its phase
// following whether a hold runs until chosen; `recordObservation` adds it through the core (on a
// draft and after submission), a refusal shown under its field; `observations` lists those
// taken, newest first.

import Foundation
import Observation
import SteadyCore

/// Schedules and cancels the prone-hold local notification (UserNotifications in the app; a
/// recorder in the tests).
public protocol ProneAlertScheduling: Sendable {
    /// Schedules the alert for the entry `entryId` at `at` (epoch ms).
    func schedule(entryId: String, at: Timestamp) async
    /// Cancels the alert for `entryId` (the hold ended or was removed).
    func cancel(entryId: String) async
    /// The system has not been asked for notification permission yet.
    func notificationsUndetermined() async -> Bool
    /// Shows the system's notification-permission dialog (only when `shouldAskForNotifications`).
    func requestNotificationPermission() async
}

extension ProneAlertScheduling {
    /// Nothing to ask by default (recorders in the tests that do not care).
    public func notificationsUndetermined() async -> Bool { false }
    /// Nothing to show by default.
    public func requestNotificationPermission() async {}

    /// Asks for notification permission if `moment` allows it with `entries` on screen: never
    /// while a hold runs (`shouldAskForNotifications`).
    public func askForNotificationsIfDue(at moment: NotificationAskMoment, entries: [UseOfForce]) async {
        let undetermined = await notificationsUndetermined()
        if shouldAskForNotifications(at: moment, entries: entries, undetermined: undetermined) {
            await requestNotificationPermission()
        }
    }
}

/// Schedules and cancels the hourly "Physical observations due" notification after rapid
/// tranquillisation (UserNotifications in the app; a recorder in the tests).
public protocol ObservationReminderScheduling: Sendable {
    /// Schedules `request`, replacing any pending for its incident.
    func scheduleReminder(_ request: ObservationReminderRequest) async
    /// Cancels `incidentId`'s reminder, pending and delivered.
    func cancelReminder(incidentId: String) async
}

/// State and actions of the incident screen.
@MainActor
@Observable
public final class IncidentModel {
    /// The incident's id.
    public let incidentId: String
    /// The incident as last loaded.
    public private(set) var incident: Incident?
    /// The details being edited (drafts only).
    public var form: IncidentForm?
    /// The incident as it was when the form was filled: edits are measured against it, so a
    /// field changed on another device meanwhile is not overwritten by the form's stale copy.
    private var formBase: Incident?
    /// The person's own "what helps", to tick first.
    public private(set) var whatHelps: [ListItem] = []
    /// The s.6(5) items still missing (the core's list; empty when no force was used).
    public private(set) var missing: [S65Item] = []
    /// The unit is a mental health unit: missing items block submission (elsewhere, advice).
    public private(set) var missingBlocksSubmission = false
    /// Timers at the last tick.
    public private(set) var board = ForceTimerBoard(entries: [], now: 0, title: { _ in "" })
    /// The in-app prone alert is showing.
    public var showingProneAlert = false
    /// Advice returned by a submission outside a mental health unit.
    public private(set) var submitAdvice: [S65Item] = []
    /// Saving or submitting now.
    public private(set) var busy = false
    /// The last problem, to show.
    public var problem: UserProblem?
    /// Messages by input (`IncidentModel.occurredAtField`) from the last change of time.
    public private(set) var fieldErrors: [Field: String] = [:]
    /// Why the last start or end entered (`setTime`) was refused, to show by its picker.
    public private(set) var forceTimeError: String?
    /// The entry the user asked to remove, waiting for the confirmation.
    public private(set) var removalRequest: UseOfForce?
    /// The confirmation Submit shows before anything locks (`requestSubmit`).
    public private(set) var confirmation: SubmitConfirmation?
    /// The person's safety alerts, contraindications and authorised interventions (`nil`: the
    /// incident names no one known on this device, or the profile could not be read).
    public private(set) var profile: RestraintProfile?
    /// The incident names a person whose profile could not be read: the screen says to check
    /// their sheet before any hold.
    public private(set) var profileUnreadable = false
    /// The question before an intervention the person's cautions rule out is recorded (the
    /// screen binds its reason); nothing is recorded until `confirmOverride`.
    public var overrideRequest: CautionOverrideRequest?
    /// One of an entry's own sheets (its times, how and staff) is open: a question raised by
    /// its save waits until it closes (`editorClosed`), since SwiftUI shows one sheet at a time.
    public private(set) var editorOpen = false
    private var waitingOverride: CautionOverrideRequest?
    /// The quick observation form, on a draft from the first second of a hold and after
    /// submission (the checks after rapid tranquillisation go on hourly).
    public var observationDraft = ObservationDraft()
    /// When the last observation was recorded (shown under the form), or `nil`.
    public private(set) var observationSavedAt: Timestamp?
    /// Why the core refused a (k) answer, by the characteristic's name (`race`), shown under it.
    public private(set) var characteristicErrors: [String: String] = [:]

    /// The core's field name for when it happened.
    public static let occurredAtField = Field.occurredAt

    private let session: AppSession
    private let alerts: ProneAlertScheduling
    private var ledger = ProneAlertLedger()

    private let reminders: ObservationReminderScheduling?

    /// After rapid tranquillisation, when the core says the next check is due (`nil`: none).
    public private(set) var nextObservationDue: Timestamp?

    /// The next check is past its time.
    public var nextObservationOverdue: Bool {
        nextObservationDue.map { $0 <= session.clock.now() } ?? false
    }

    /// "Next check due 15:02" (UK time) or "Check overdue: due 15:02"; `nil` when none is due.
    public var nextObservationDueText: String? {
        ObservationReminderPlan.dueText(nextObservationDue, now: session.clock.now())
    }

    /// The model for `incidentId`; `alerts` schedules the prone notification, `reminders` the
    /// hourly one after rapid tranquillisation (by default `alerts`, if it does both).
    public init(session: AppSession, incidentId: String, alerts: ProneAlertScheduling,
                reminders: ObservationReminderScheduling? = nil) {
        self.session = session
        self.incidentId = incidentId
        self.alerts = alerts
        self.reminders = reminders ?? (alerts as? ObservationReminderScheduling)
    }

    /// Whether `change` touches this incident (an observation another phone took, by sync): the
    /// screen reloads (`IncidentView` observes `AppSession.changeCount`).
    public func concerns(_ change: StoreChange?) -> Bool {
        guard let change else { return false }
        return !change.unitsWithNewAccess.isEmpty
            || change.records.contains { $0.kind == .incident && $0.id == incidentId }
    }

    /// "No further concerns" tapped (after rapid tranquillisation; again: cleared).
    public func toggleNoFurtherConcerns() { observationDraft.noFurtherConcerns.toggle() }

    /// The "taken at" time moved by `minutes` (−5, −15, −60, +5) from the one set, or now.
    public func moveObservationTime(minutes: Int) {
        observationDraft.moveTakenAt(minutes: minutes, now: session.clock.now())
    }

    /// The "taken at" time back to the tap on Record.
    public func observationTimeNow() {
        observationDraft.takenAt = nil
        observationDraft.takenAtError = nil
    }

    /// The reminder follows the core's next due time: scheduled, moved, or cancelled.
    private func scheduleReminder(_ incident: Incident) async {
        let unit = session.units.first(where: { $0.grant.unitId == incident.unitId })
        let now = session.clock.now()
        nextObservationDue = SteadyCore.nextObservationDue(incident: incident)
        guard let reminders else { return }
        switch ObservationReminderPlan.plan(incident: incident, unitName: unit?.grant.name ?? "", now: now) {
        case let .schedule(request): await reminders.scheduleReminder(request)
        case .overdue: break
        case .cancel: await reminders.cancelReminder(incidentId: incident.id)
        }
    }

    /// The observations taken, newest first (time, who, the core's words).
    public var observations: [ObservationRow] {
        incident.map { ObservationRow.rows(of: $0) } ?? []
    }

    /// The screen shows its Observations section: once force is used, and after.
    public var showsObservations: Bool {
        !(incident?.useOfForce.isEmpty ?? true) || !observations.isEmpty
    }

    /// A hold is running (started, not ended): "during restraint" is preselected.
    public var holdRunning: Bool {
        incident?.useOfForce.contains { $0.startedAt != nil && $0.endedAt == nil } ?? false
    }

    /// Records the observation through the core, at its "taken at" time or now (on a draft from
    /// the first minute of a hold, and after submission; anyone in the unit). A number that is not one, or a value
    /// the core refuses (its rule, "from 50 to 100"), stays in the form with the reason under
    /// its field. Returns whether it was recorded.
    @discardableResult
    public func recordObservation() async -> Bool {
        guard let core = session.core else { return false }
        let draft = observationDraft
        let (observation, errors) = draft.observation()
        let future = ObservationDraft.takenAtProblem(draft.takenAt, now: session.clock.now())
        guard let observation, future == nil else {
            observationDraft.errors = errors
            observationDraft.error = nil
            observationDraft.takenAtError = future
            return false
        }
        let id = incidentId
        do {
            _ = try await core.call { try $0.addPhysicalObservation(incidentId: id, observation: observation) }
        } catch SteadyError.Validation(let field, let path, let rule) where field == .observation {
            let which = ObservationField.of(path: path)
            let words = observationRuleText(field: which, rule: rule)
            if let which {
                observationDraft.errors[which] = words
            } else if path == "observation.observed_at" {
                observationDraft.takenAtError = "\(ObservationDraft.takenAtRule): \(words)"
            } else {
                observationDraft.error = words
            }
            return false
        } catch {
            problem = await session.handle(error)
            return false
        }
        observationDraft = draft.next
        observationSavedAt = session.clock.now()
        await load()
        return true
    }

    /// Submitted: only addenda from now on.
    public var isSubmitted: Bool { incident?.status == .submitted }

    /// The warning for the parts of the stored incident the core could not read on this device
    /// (`Incident.unreadable`), or `nil` when everything was read.
    public var unreadableWarning: String? {
        incident.flatMap { SteadyKit.unreadableWarning($0.unreadable) }
    }

    /// Unsaved edits in the form.
    public var hasUnsavedChanges: Bool {
        guard let formBase, let form else { return false }
        return form.changes(from: formBase, whatHelps: whatHelps.map(\.text)) != nil
    }

    /// Loads the incident, the person's strategies and the missing items.
    public func load() async {
        guard let core = session.core else { return }
        let id = incidentId
        do {
            let incident = try await core.call { try $0.incident(incidentId: id) }
            self.incident = incident
            observationDraft = observationDraft.following(holdRunning: holdRunning)
            if incident.status == .draft {
                if form == nil {
                    form = IncidentForm(incident)
                    formBase = incident
                }
            } else {
                form = nil
                formBase = nil
            }
            if let personId = incident.personId {
                let card = try? await core.call { try $0.amberCard(personId: personId) }
                whatHelps = card?.whatHelps ?? []
                await loadProfile(personId: personId)
            } else {
                profile = nil
                profileUnreadable = false
            }
            missing = try await core.call { try $0.missingUseOfForceItems(incidentId: id) }
            let unit = session.units.first(where: { $0.grant.unitId == incident.unitId })
            missingBlocksSubmission = unit?.grant.mentalHealthUnit ?? false
            tick()
            await scheduleAlerts()
            // The hourly check after rapid tranquillisation: at the core's time.
            await scheduleReminder(incident)
            // The first use of force is recorded here: ask now, before any hold runs.
            await alerts.askForNotificationsIfDue(at: .incidentScreen, entries: incident.useOfForce)
        } catch {
            problem = await session.handle(error)
        }
    }

    /// Saves what changed in the form. Returns whether it is saved (or nothing changed). A
    /// debrief note waiting for its held / not held answer is not saved and stays in the form.
    @discardableResult
    public func saveDetails() async -> Bool {
        guard let core = session.core, let formBase, let form else { return true }
        guard let details = form.changes(from: formBase, whatHelps: whatHelps.map(\.text)) else { return true }
        let id = incidentId
        busy = true
        defer { busy = false }
        do {
            try await core.call { try $0.updateIncident(incidentId: id, details: details) }
            characteristicErrors = [:]
            self.form = nil
            await load()
            self.form = self.form?.keepingWaitingNotes(of: form)
            return true
        } catch SteadyError.Validation(let field, let path, let rule) where field == .characteristics {
            // A (k) answer refused: shown under its row; the form keeps what was typed.
            let name = path.hasPrefix("characteristics.") ? String(path.dropFirst("characteristics.".count)) : path
            characteristicErrors[name] = observationRuleText(field: nil, rule: rule)
            return false
        } catch {
            problem = await session.handle(error)
            return false
        }
    }

    /// The latest time it may have happened: now, on the session's clock.
    public var latestOccurredAt: Timestamp { session.clock.now() }

    /// Forgets the messages of a change that was cancelled.
    public func clearFieldErrors() {
        fieldErrors = [:]
    }

    /// Changes when it happened, saved through the core at once (`updateIncident` with only
    /// `occurredAt`). Refused without a call when the time is in the future (`.invalid`, the
    /// message in `fieldErrors`) or the incident is submitted (`.failed`, with a problem that
    /// offers an addendum). Other unsaved edits in the form stay as they are.
    @discardableResult
    public func changeOccurredAt(_ occurredAt: Timestamp) async -> EditResult {
        fieldErrors = [:]
        problem = nil
        guard let core = session.core else { return .failed }
        guard occurredAt <= session.clock.now() else {
            fieldErrors[Self.occurredAtField] = "When it happened can't be in the future."
            return .invalid
        }
        if let incident {
            guard incident.status == .draft else {
                problem = UserProblem(SteadyError.Locked(record: "incident"))
                return .failed
            }
            if occurredAt == incident.occurredAt { return .saved }
        }
        let id = incidentId
        let details = IncidentDetails(occurredAt: occurredAt)
        busy = true
        defer { busy = false }
        do {
            try await core.call { try $0.updateIncident(incidentId: id, details: details) }
        } catch {
            let found = await session.handle(error)
            if let field = found.field {
                fieldErrors[field] = found.message
                return .invalid
            }
            problem = found
            return .failed
        }
        // Saved: the form and its base both hold the new time, so the form's next save does
        // not send it again and its other unsaved edits are kept.
        form?.occurredAt = occurredAt
        formBase = formBase?.with(occurredAt: occurredAt)
        await load()
        return .saved
    }

    /// The interventions on offer, marked from the person's profile (ruled out, in their plan).
    public var choices: RestraintChoices { RestraintChoices(profile: profile) }

    /// The person's cautions that rule out `intervention` (empty without a profile).
    public func cautionsRulingOut(_ intervention: RestrictiveInterventionType) -> [Caution] {
        profile?.rulingOut(intervention) ?? []
    }

    /// The plan's answer for "in the care plan" of `intervention`, in words, or `nil` when no
    /// plan was read.
    public func carePlanLine(for intervention: RestrictiveInterventionType) -> String? {
        profile?.carePlanLine(for: intervention)
    }

    /// Adds a use of force of `type` with the staff member using the device as the first member
    /// of staff involved: its timer started now, or (`startNow: false`, written up afterwards)
    /// with no times yet, to be entered with `setTime`. "In the care plan" is left for the core
    /// to fill from the plan. When the person's cautions rule `type` out nothing is recorded:
    /// `overrideRequest` asks for the reason first (the start is the moment of this tap).
    public func addUseOfForce(_ type: RestrictiveInterventionType, startNow: Bool = true) async {
        let startedAt = startNow ? session.clock.now() : nil
        if let profile {
            let ruling = profile.rulingOut(type)
            if !ruling.isEmpty {
                overrideRequest = CautionOverrideRequest(
                    intervention: type, personName: profile.name, cautions: ruling,
                    action: .add(startedAt: startedAt)
                )
                return
            }
        }
        await record(type, startedAt: startedAt, override: nil)
    }

    /// The question was answered: records what waited, with the reason in
    /// `contraindicationOverride`. Does nothing until a reason is given.
    public func confirmOverride() async {
        guard let request = overrideRequest, request.canConfirm else { return }
        let reason = request.trimmedReason
        overrideRequest = nil
        switch request.action {
        case let .add(startedAt):
            await record(request.intervention, startedAt: startedAt, override: reason)
        case let .update(entry):
            await update(entry.with(contraindicationOverride: reason))
        }
    }

    /// The question was cancelled: nothing is recorded.
    public func cancelOverride() {
        overrideRequest = nil
        waitingOverride = nil
    }

    /// An entry's sheet (times, how and staff) opened.
    public func editorOpened() {
        editorOpen = true
    }

    /// An entry's sheet closed: a question its save raised is asked now.
    public func editorClosed() {
        editorOpen = false
        if let waiting = waitingOverride {
            waitingOverride = nil
            overrideRequest = waiting
        }
    }

    /// Starts an entry's timer now.
    public func start(_ entry: UseOfForce) async {
        await update(entry.started(at: session.clock.now()))
    }

    /// Stops an entry's timer now (the end is the moment of the tap, even if the core asks for
    /// a reason first). Its prone alert is cancelled once the end is recorded.
    public func stop(_ entry: UseOfForce) async {
        await update(entry.ended(at: session.clock.now()))
        if forceEntry(entry.id)?.isRunning != true {
            await alerts.cancel(entryId: entry.id)
        }
    }

    /// Replaces an entry (reason, in care plan, how force was used, staff). A `Contraindicated`
    /// refusal opens `overrideRequest` for this change.
    public func update(_ entry: UseOfForce) async {
        let id = incidentId
        await change(asking: (entry.intervention, .update(entry))) {
            try $0.updateUseOfForce(incidentId: id, entry: entry)
        }
    }

    /// The entry `entryId` as last loaded.
    public func forceEntry(_ entryId: String) -> UseOfForce? {
        incident?.useOfForce.first { $0.id == entryId }
    }

    /// Changes why the intervention was used; a chosen reason can always be changed.
    public func setReason(_ reason: RestrictiveInterventionReason?, ofEntry entryId: String) async {
        guard let entry = forceEntry(entryId), entry.reason != reason else { return }
        await update(entry.with(reason: reason))
    }

    /// Answers whether the intervention is in the person's care plan.
    public func setInCarePlan(_ inCarePlan: Bool?, ofEntry entryId: String) async {
        guard let entry = forceEntry(entryId), entry.inCarePlan != inCarePlan else { return }
        await update(entry.with(inCarePlan: inCarePlan))
    }

    /// Records how force was used and the staff involved (the rest of the entry as last loaded).
    public func setHowAndStaff(_ how: String, staff: [StaffMember], ofEntry entryId: String) async {
        guard let entry = forceEntry(entryId) else { return }
        await update(UseOfForce(
            id: entry.id, intervention: entry.intervention, reason: entry.reason,
            startedAt: entry.startedAt, endedAt: entry.endedAt, inCarePlan: entry.inCarePlan,
            howForceWasUsed: how, staff: staff,
            contraindicationOverride: entry.contraindicationOverride
        ))
    }

    /// The times the picker for `which` of `entryId` may offer now (`ForceTimeRule.bounds`).
    public func timeBounds(_ which: ForceTime, ofEntry entryId: String) -> ClosedRange<Timestamp> {
        let now = session.clock.now()
        guard let entry = forceEntry(entryId) else { return ForceTimeRule.earliest...ForceTimeRule.latest(now: now) }
        return ForceTimeRule.bounds(which, of: entry, now: now)
    }

    /// Where the picker for `which` of `entryId` starts: the recorded time, else now for an end
    /// and when it happened for a start.
    public func initialTime(_ which: ForceTime, ofEntry entryId: String) -> Timestamp {
        let now = session.clock.now()
        guard let entry = forceEntry(entryId) else { return now }
        return ForceTimeRule.initial(which, of: entry, occurredAt: incident?.occurredAt ?? now, now: now)
    }

    /// Forgets the message of a time entry that was cancelled.
    public func clearForceTimeError() {
        forceTimeError = nil
    }

    /// Enters or corrects the start or end (`which`) of `entryId` after the event, saved through
    /// the core at once. Refused without a call, the reason in `forceTimeError` (`.invalid`), when
    /// it is later than now, outside the core's window, or on the wrong side of the other end;
    /// `.failed` with a problem once submitted; `.failed` with `overrideRequest` (asked once the
    /// sheet closes, `editorClosed`) when the person's cautions ask for a reason first. The
    /// prone alert follows the new times.
    @discardableResult
    public func setTime(_ which: ForceTime, ofEntry entryId: String, to time: Timestamp) async -> EditResult {
        forceTimeError = nil
        guard let entry = forceEntry(entryId) else {
            forceTimeError = "This entry is no longer recorded."
            return .invalid
        }
        guard !isSubmitted else {
            problem = UserProblem(SteadyError.Locked(record: "incident"))
            return .failed
        }
        if let refusal = ForceTimeRule.problem(which, of: entry, time: time, now: session.clock.now()) {
            forceTimeError = refusal
            return .invalid
        }
        if entry.time(which) == time { return .saved }
        // Unsaved details first, so the reload cannot drop them.
        guard await saveDetails(), let core = session.core else { return .failed }
        let id = incidentId
        let updated = (forceEntry(entryId) ?? entry).with(which, at: time)
        busy = true
        defer { busy = false }
        do {
            try await core.call { try $0.updateUseOfForce(incidentId: id, entry: updated) }
        } catch {
            let found = await session.handle(error)
            if found.field != nil {
                forceTimeError = found.message
                return .invalid
            }
            if case let .confirmAgainstCautions(ids) = found.action {
                // Not a problem with the time: the person's cautions ask for a reason first
                // (asked once the time's sheet has closed).
                await load()
                ask(ids: ids, about: updated.intervention, action: .update(updated))
                return .failed
            }
            problem = found
            return .failed
        }
        await load()
        return .saved
    }

    /// Asks to remove an entry started by mistake (drafts only): nothing changes until
    /// `confirmRemoval`.
    public func requestRemoval(_ entry: UseOfForce) {
        guard !isSubmitted else { return }
        removalRequest = entry
    }

    /// Keeps the entry.
    public func cancelRemoval() {
        removalRequest = nil
    }

    /// Removes the entry asked about (`entry`, or the one in `removalRequest`), through the
    /// core (refused once submitted); its prone alert is cancelled.
    public func confirmRemoval(_ entry: UseOfForce? = nil) async {
        guard let entry = entry ?? removalRequest else { return }
        removalRequest = nil
        await remove(entry)
    }

    /// Removes an entry (drafts only; the core refuses once submitted).
    public func remove(_ entry: UseOfForce) async {
        let id = incidentId
        let entryId = entry.id
        await change { try $0.removeUseOfForce(incidentId: id, entryId: entryId) }
        await alerts.cancel(entryId: entryId)
    }

    /// Recomputes the timers at the clock's now and raises the in-app alert for a prone hold
    /// that has just passed 10 minutes. The screen calls it once a second.
    public func tick() {
        let entries = incident?.useOfForce ?? []
        board = ForceTimerBoard(entries: entries, now: session.clock.now(), title: { $0.intervention.label })
        if !ledger.newAlerts(on: board).isEmpty {
            showingProneAlert = true
            Log.ui.notice("prone hold passed 10 minutes")
        }
    }

    /// Submit was tapped: saves the form, then shows the confirmation (`confirmation`): what
    /// will be locked and the s.6(5) items still missing, from the core. Nothing is submitted.
    public func requestSubmit() async {
        guard !isSubmitted, await saveDetails(), let core = session.core else { return }
        let id = incidentId
        do {
            missing = try await core.call { try $0.missingUseOfForceItems(incidentId: id) }
        } catch {
            problem = await session.handle(error)
            return
        }
        guard let incident else { return }
        confirmation = SubmitConfirmation(incident: incident, missing: missing, mentalHealthUnit: missingBlocksSubmission)
    }

    /// The confirmation was dismissed: the incident stays a draft.
    public func cancelSubmit() {
        confirmation = nil
    }

    /// Submit, confirmed: saves the form, then submits; after this the record is locked.
    /// Outside a mental health unit, missing s.6(5) items come back as advice; inside one the
    /// core refuses and the missing list is shown.
    @discardableResult
    public func submit() async -> Bool {
        confirmation = nil
        guard await saveDetails(), let core = session.core else { return false }
        let id = incidentId
        busy = true
        defer { busy = false }
        do {
            let outcome = try await core.call { try $0.submitIncident(incidentId: id) }
            submitAdvice = outcome.advice
            for entry in incident?.useOfForce ?? [] {
                await alerts.cancel(entryId: entry.id)
            }
            await load()
            return true
        } catch {
            problem = await session.handle(error)
            missing = (try? await core.call { try $0.missingUseOfForceItems(incidentId: id) }) ?? missing
            return false
        }
    }

    /// Adds an addendum to the submitted incident.
    @discardableResult
    public func addAddendum(reason: String, text: String) async -> Bool {
        guard let core = session.core else { return false }
        let id = incidentId
        do {
            _ = try await core.call { try $0.addAddendum(incidentId: id, reason: reason, text: text) }
            await load()
            return true
        } catch {
            problem = await session.handle(error)
            return false
        }
    }

    /// Records a post-incident review held (or declined) after the submission, as its own
    /// append-only entry counted with the debriefs. The core checks it: held needs when,
    /// not held needs why. Returns whether it was saved.
    public func addReview(_ review: PostIncidentReview) async -> Bool {
        guard let core = session.core else { return false }
        let id = incidentId
        do {
            _ = try await core.call { try $0.addPostIncidentReview(incidentId: id, review: review) }
            await load()
            return true
        } catch {
            problem = await session.handle(error)
            return false
        }
    }

    /// Records a new entry of `type`; the core fills "in the care plan" from the plan.
    private func record(_ type: RestrictiveInterventionType, startedAt: Timestamp?, override: String?) async {
        var staff: [StaffMember] = []
        if let me = session.staff { staff.append(me) }
        let entry = UseOfForce(
            intervention: type, startedAt: startedAt, inCarePlan: nil, staff: staff,
            contraindicationOverride: override
        )
        let id = incidentId
        await change(asking: (type, .add(startedAt: startedAt))) {
            _ = try $0.addUseOfForce(incidentId: id, entry: entry)
        }
    }

    /// Runs one change, then reloads. A `Contraindicated` refusal of `asking` (the intervention
    /// and what waits) opens `overrideRequest` instead of a problem.
    private func change(
        asking pending: (RestrictiveInterventionType, CautionOverrideRequest.Action)? = nil,
        _ work: @escaping @Sendable (SteadyStore) throws -> Void
    ) async {
        // Unsaved details first, so a reload cannot drop them.
        guard await saveDetails(), let core = session.core else { return }
        var cautionIds: [String]?
        do {
            try await core.call(work)
        } catch {
            let found = await session.handle(error)
            if case let .confirmAgainstCautions(ids) = found.action, pending != nil {
                cautionIds = ids
            } else {
                problem = found
            }
        }
        await load()
        if let cautionIds, let pending {
            ask(ids: cautionIds, about: pending.0, action: pending.1)
        }
    }

    /// Opens the question for the cautions `ids` the core named (the profile just reloaded).
    private func ask(ids: [String], about intervention: RestrictiveInterventionType,
                     action: CautionOverrideRequest.Action) {
        let named = profile?.cautions(ids: ids) ?? []
        let request = CautionOverrideRequest(
            intervention: intervention,
            personName: profile?.name ?? incident?.personName ?? "This person",
            cautions: named.isEmpty ? (profile?.rulingOut(intervention) ?? []) : named,
            action: action
        )
        if editorOpen {
            waitingOverride = request
        } else {
            overrideRequest = request
        }
    }

    /// Reads the person's restraint profile; a failure leaves `profileUnreadable` set.
    private func loadProfile(personId: String) async {
        guard let core = session.core else { return }
        do {
            profile = try await core.call { try $0.restraintProfile(personId: personId) }
            profileUnreadable = false
        } catch {
            profile = nil
            profileUnreadable = true
            Log.ui.error("restraint profile unreadable: \(UserProblem(error).kind, privacy: .public)")
        }
    }

    private func scheduleAlerts() async {
        let plan = ProneAlertPlan.plan(entries: incident?.useOfForce ?? [], now: session.clock.now())
        for request in plan.schedule {
            await alerts.schedule(entryId: request.entryId, at: request.at)
        }
        for entryId in plan.cancel {
            await alerts.cancel(entryId: entryId)
        }
    }
}

extension Incident {
    /// This incident with `occurredAt` changed (the generated record's fields are constants).
    func with(occurredAt: Timestamp) -> Incident {
        Incident(
            id: id, unitId: unitId, status: status, occurredAt: occurredAt, recordedBy: recordedBy,
            personId: personId, personName: personName, unidentifiedPerson: unidentifiedPerson,
            note: note, tags: tags, place: place, deescalation: deescalation,
            useOfForce: useOfForce, nonStaffInvolved: nonStaffInvolved, nonStaffReason: nonStaffReason,
            mentalDisorder: mentalDisorder, relevantCharacteristics: relevantCharacteristics,
            learningDisabilityOrAutism: learningDisabilityOrAutism,
            injuriesPerson: injuriesPerson, injuriesStaff: injuriesStaff, injuriesOthers: injuriesOthers,
            outcome: outcome, deathOrSeriousInjury: deathOrSeriousInjury, debriefPerson: debriefPerson,
            debriefStaff: debriefStaff, notificationSent: notificationSent, submittedAt: submittedAt,
            addenda: addenda, unreadable: unreadable, subject: subject, nhsNumberNotKnown: nhsNumberNotKnown,
            characteristics: characteristics, injuredPerson: injuredPerson, injuredStaff: injuredStaff,
            injuredOthers: injuredOthers
        )
    }
}
