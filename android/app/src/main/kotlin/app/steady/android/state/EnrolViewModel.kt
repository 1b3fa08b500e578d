// Enrolment: the server address and code (typed, or from the QR code's `steady://enrol` link),
// and who is using the device; then the first sync so the unit's people are here before the
// shift.
package app.steady.android.state

import app.steady.core.Field
import app.steady.core.SteadyException
import app.steady.core.model.StaffMember
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update

/** State and events of the Enrol screen. */
class EnrolViewModel(
    session: SteadySession,
) : SessionViewModel(session) {
    private val mutable = MutableStateFlow(EnrolUiState())

    /** What the screen shows. */
    val state: StateFlow<EnrolUiState> = mutable.asStateFlow()

    override fun showMessage(text: String) = mutable.update { it.copy(message = text, busy = false) }

    /** The server address field changed. */
    fun onServerChange(text: String) = mutable.update { it.copy(serverUrl = text, serverError = null) }

    /** The code field changed. */
    fun onCodeChange(text: String) = mutable.update { it.copy(code = text, codeError = null) }

    /** The user's name changed. */
    fun onStaffNameChange(text: String) = mutable.update { it.copy(staffName = text, staffError = null) }

    /** The user's job title changed. */
    fun onJobTitleChange(text: String) = mutable.update { it.copy(jobTitle = text, staffError = null) }

    /** A QR code was scanned (or a link pasted): fills both fields, or says why not. */
    fun onScanned(text: String) {
        val link = EnrolmentLink.parse(text)
        if (link == null) {
            mutable.update { it.copy(message = "That QR code is not a Steady enrolment code.") }
        } else {
            mutable.update {
                it.copy(serverUrl = link.server, code = link.code, serverError = null, codeError = null, message = null)
            }
        }
    }

    /** Checks the form; null when it can be sent. */
    fun validate(): EnrolUiState? {
        val s = mutable.value
        val checked =
            s.copy(
                serverError = checkServerAddress(s.serverUrl),
                codeError = checkEnrolmentCode(s.code),
                staffError = if (s.staffName.isBlank() || s.jobTitle.isBlank()) "Enter your name and job title" else null,
            )
        mutable.value = checked
        return checked.takeIf { it.serverError == null && it.codeError == null && it.staffError == null }
    }

    /** Enrol: set the staff member, redeem the code, pull the unit's data, schedule sync. */
    fun onEnrol() {
        val form = validate() ?: return
        mutable.update { it.copy(busy = true, message = null) }
        io {
            val server = form.serverUrl.trim()
            session.store.setStaffMember(StaffMember(form.staffName.trim(), form.jobTitle.trim()))
            try {
                session.store.enroll(server, form.code.trim())
            } catch (e: SteadyException.Validation) {
                mutable.update {
                    if (e.field == Field.SERVER_URL || e.field == Field.ROOT_CERTIFICATE) {
                        it.copy(busy = false, serverError = errorText(e))
                    } else {
                        it.copy(busy = false, codeError = errorText(e))
                    }
                }
                return@io
            }
            // The first pull: if it fails, the device is enrolled anyway and sync retries.
            val pulled = runCatching { session.store.sync(null) }.isSuccess
            session.device.requestSync()
            mutable.update {
                it.copy(
                    busy = false,
                    enrolled = true,
                    message = if (pulled) null else "Enrolled. The unit's data will arrive when there is signal.",
                )
            }
        }
    }
}
