// Sync and settings: where sync stands (last success, what waits, what needs the user, the last
// error), a sync now, the placements on this phone and "Add a placement" (the next unit's code,
// typed or from its `steady://enrol` link, added at the enrolled server without signing out), and
// sign-out, which deletes the store and its key from the device.
package app.steady.android.state

import app.steady.core.Field
import app.steady.core.SteadyException
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import java.net.URI

/** State and events of the Sync & settings screen. */
class SyncViewModel(
    session: SteadySession,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(SyncUiState())

    /** What the screen shows. */
    val state: StateFlow<SyncUiState> = mutable.asStateFlow()

    init {
        reloadOnChange { if (!mutable.value.signedOut) load() }
    }

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, syncing = false) }

    private fun load() {
        val store = session.store
        val status = store.syncStatus()
        val staff = store.staffMember()
        mutable.update {
            it.copy(
                enrolled = status.enrolled,
                server = status.serverUrl,
                staffLine = listOf(staff.name, staff.jobTitle).filter { s -> s.isNotBlank() }.joinToString(", "),
                deviceId = store.deviceId(),
                lastSuccessLabel = status.lastSuccessAt?.let { t -> session.labels.dayTime(t) } ?: "Never",
                lastAttemptLabel = status.lastAttemptAt?.let { t -> session.labels.dayTime(t) } ?: "Never",
                pending = status.pending.toInt(),
                quarantined = status.quarantined.toInt(),
                conflicts = status.conflicts.toInt(),
                lastError = status.lastProblem?.let(::syncProblemText),
                units = unitRows(store.units(), session.labels),
            )
        }
    }

    /** Sync now (the worker also syncs on any network and every 15 minutes or so). */
    fun onSyncNow() {
        if (mutable.value.server == null) return
        mutable.update { it.copy(syncing = true, message = null) }
        io {
            try {
                val report = session.store.sync(null)
                mutable.update { it.copy(syncing = false, message = "Sent ${report.pushed}, received ${report.pulled}.") }
            } catch (e: SteadyException.Revoked) {
                session.signOut()
                mutable.update { it.copy(syncing = false, signedOut = true, message = errorText(e)) }
                return@io
            } catch (e: SteadyException) {
                mutable.update { it.copy(syncing = false, message = errorText(e)) }
            }
        }
    }

    /** Sign out asked: confirm first, saying what will be lost. */
    fun onSignOutRequested() = mutable.update { it.copy(confirmingSignOut = true) }

    /** Sign out cancelled. */
    fun onSignOutCancelled() = mutable.update { it.copy(confirmingSignOut = false) }

    /** Sign out confirmed: the store and its key leave the device. */
    fun onSignOutConfirmed() {
        mutable.update { it.copy(confirmingSignOut = false, signedOut = true) }
        io { session.signOut() }
    }

    /** "Add a placement" opened (from here, or from the people screen's ended state). */
    fun onAddPlacementOpen() = mutable.update { it.copy(addPlacement = it.addPlacement ?: AddPlacementUi(), message = null) }

    /** "Add a placement" closed without adding. */
    fun onAddPlacementCancel() = mutable.update { it.copy(addPlacement = null) }

    /** The code field changed. */
    fun onPlacementCodeChange(text: String) =
        mutable.update { it.copy(addPlacement = (it.addPlacement ?: AddPlacementUi()).copy(code = text, codeError = null)) }

    /**
     * A scanned QR code or a tapped or pasted `steady://enrol` link: its code fills the field,
     * if the link is for the server this phone already syncs with.
     */
    fun onPlacementScanned(text: String) {
        val form = mutable.value.addPlacement ?: AddPlacementUi()
        when (val read = readPlacementLink(text, mutable.value.server)) {
            is PlacementLink.Code -> {
                mutable.update { it.copy(addPlacement = form.copy(code = read.code, codeError = null, message = null)) }
            }

            is PlacementLink.Refused -> {
                mutable.update { it.copy(addPlacement = form.copy(codeError = read.reason, message = null)) }
            }
        }
    }

    /** Adds the placement: the code is redeemed with this phone's token, then its unit is pulled. */
    fun onAddPlacement() {
        val form = mutable.value.addPlacement ?: return
        if (form.busy) return
        // A link pasted into the field is read as one.
        val code =
            if (EnrolmentLink.parse(form.code) != null) {
                when (val read = readPlacementLink(form.code, mutable.value.server)) {
                    is PlacementLink.Code -> {
                        read.code
                    }

                    is PlacementLink.Refused -> {
                        mutable.update { it.copy(addPlacement = form.copy(codeError = read.reason)) }
                        return
                    }
                }
            } else {
                form.code.trim()
            }
        checkEnrolmentCode(code)?.let { problem ->
            mutable.update { it.copy(addPlacement = form.copy(codeError = problem)) }
            return
        }
        mutable.update { it.copy(addPlacement = form.copy(code = code, busy = true, codeError = null, message = null)) }
        io {
            val before =
                session.store
                    .units()
                    .map { it.grant.unitId }
                    .toSet()
            val grants =
                try {
                    session.store.addPlacement(code)
                } catch (e: SteadyException.Validation) {
                    val text = errorText(e)
                    mutable.update {
                        it.copy(
                            addPlacement =
                                if (e.field == Field.ENROLMENT_CODE) {
                                    form.copy(code = code, codeError = text)
                                } else {
                                    form.copy(code = code, message = text)
                                },
                        )
                    }
                    return@io
                } catch (e: SteadyException.Network) {
                    mutable.update {
                        it.copy(
                            addPlacement =
                                form.copy(
                                    code = code,
                                    message =
                                        "No connection to the sync server, so the placement was not added yet. " +
                                            "Nothing was lost: your code and everything on this phone are kept. Try again when there is signal.",
                                ),
                        )
                    }
                    return@io
                } catch (e: SteadyException.Revoked) {
                    session.signOut()
                    mutable.update { it.copy(addPlacement = null, signedOut = true, message = errorText(e)) }
                    return@io
                } catch (e: SteadyException) {
                    mutable.update { it.copy(addPlacement = form.copy(code = code, message = errorText(e))) }
                    return@io
                }
            val added = grants.filter { it.unitId !in before }
            val names = (added.ifEmpty { grants }).joinToString(", ") { it.name }
            // The new unit's people: pulled now if there is signal, else by the next sync.
            val pulled = runCatching { session.store.sync(null) }.isSuccess
            session.device.requestSync()
            val words =
                if (added.isEmpty()) {
                    "That code is for a placement this phone already has ($names)."
                } else if (pulled) {
                    "Added $names. Its people are on this phone."
                } else {
                    "Added $names. Its people arrive with the next sync."
                }
            mutable.update { it.copy(addPlacement = null, message = words) }
            load()
        }
    }
}

/** What a scanned or pasted link gives "Add a placement". */
sealed interface PlacementLink {
    /** The code to add. */
    data class Code(
        val code: String,
    ) : PlacementLink

    /** Why the link cannot be used here, in the user's words. */
    data class Refused(
        val reason: String,
    ) : PlacementLink
}

/**
 * Reads [text] as an enrolment link for "Add a placement": its code, if the link is for
 * [enrolledServer] (this phone holds one server: another organisation's needs sign-out first).
 */
fun readPlacementLink(
    text: String,
    enrolledServer: String?,
): PlacementLink {
    val link = EnrolmentLink.parse(text) ?: return PlacementLink.Refused("That is not a Steady enrolment code.")
    if (enrolledServer != null && sameServer(link.server, enrolledServer)) return PlacementLink.Code(link.code)
    return PlacementLink.Refused(
        "This code is for another sync server (${link.server}). This phone syncs with ${enrolledServer ?: "no server yet"}, " +
            "and holds one server at a time: to use the other, sync, then sign out and enrol with it.",
    )
}

/** The same server, whatever the case of its scheme and host or a trailing slash. */
fun sameServer(
    a: String,
    b: String,
): Boolean {
    fun norm(s: String): String {
        val u = runCatching { URI(s.trim()) }.getOrNull() ?: return s.trim().trimEnd('/').lowercase()
        val port = if (u.port == -1) "" else ":${u.port}"
        val path = (u.rawPath ?: "").trimEnd('/')
        return "${u.scheme?.lowercase()}://${u.host?.lowercase()}$port$path"
    }
    return norm(a) == norm(b)
}
