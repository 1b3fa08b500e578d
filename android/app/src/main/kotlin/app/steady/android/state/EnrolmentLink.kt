// The enrolment QR code's payload, `steady://enrol?server=...&code=...`, parsed in plain Kotlin
// so the rule is unit-tested on the JVM and the camera glue only hands over the scanned text.
package app.steady.android.state

import java.net.URI
import java.net.URLDecoder
import java.nio.charset.StandardCharsets

/** What an enrolment QR code carries: the sync server's address and a one-time code. */
data class EnrolmentLink(
    /** The sync server, e.g. `https://sync.example.org`. */
    val server: String,
    /** The enrolment code a lead issued. */
    val code: String,
) {
    companion object {
        /**
         * Reads a scanned or pasted `steady://enrol?server=...&code=...`; null when the text is
         * not such a link or lacks either part. Scheme and host are case-insensitive; values are
         * URL-decoded and trimmed.
         */
        fun parse(text: String): EnrolmentLink? {
            val uri = runCatching { URI(text.trim()) }.getOrNull() ?: return null
            if (!uri.scheme.equals("steady", ignoreCase = true)) return null
            if (!uri.host.equals("enrol", ignoreCase = true) && !uri.host.equals("enroll", ignoreCase = true)) {
                return null
            }
            val query = uri.rawQuery ?: return null
            val params =
                query
                    .split('&')
                    .mapNotNull { pair ->
                        val at = pair.indexOf('=')
                        if (at <= 0) return@mapNotNull null
                        val key = pair.substring(0, at)
                        val value = URLDecoder.decode(pair.substring(at + 1), StandardCharsets.UTF_8).trim()
                        key to value
                    }.toMap()
            val server = params["server"]?.takeIf { it.isNotEmpty() } ?: return null
            val code = params["code"]?.takeIf { it.isNotEmpty() } ?: return null
            if (checkServerAddress(server) != null) return null
            return EnrolmentLink(server, code)
        }
    }
}

/**
 * Why a server address cannot be used, or null when it can: `https://` anywhere, plain
 * `http://` only to this device itself (the core refuses anything else too; saying so before
 * the network round trip gives the user the reason next to the field).
 */
fun checkServerAddress(address: String): String? {
    val trimmed = address.trim()
    if (trimmed.isEmpty()) return "Enter the sync server's address"
    val uri = runCatching { URI(trimmed) }.getOrNull() ?: return "This is not a web address"
    val host = uri.host ?: return "Start with https:// followed by the server's name"
    return when (uri.scheme?.lowercase()) {
        "https" -> {
            null
        }

        "http" -> {
            if (host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1") {
                null
            } else {
                "Use https:// (plain http is only for this device itself)"
            }
        }

        else -> {
            "Start with https://"
        }
    }
}

/** Why an enrolment code cannot be used, or null. Codes are issued by a lead. */
fun checkEnrolmentCode(code: String): String? =
    when {
        code.isBlank() -> "Enter the code your lead gave you"
        code.trim().length < 6 -> "The code is longer than that: check it with your lead"
        else -> null
    }
