// HTTPS the platform's way: the core's HTTP client (reqwest on rustls) verifies every server
// certificate with rustls-platform-verifier, which on Android asks Android's own trust manager
// through JNI and so needs this process's Context before the first TLS handshake. Without this
// call every https:// enrolment and sync fails with a TLS error (only the loopback demo works).
// The verifier's Kotlin half (org.rustls.platformverifier, the rustls:rustls-platform-verifier
// AAR) is added in app/build.gradle.kts and kept from R8 in proguard-rules.pro; the Rust half is
// bindings/src/android.rs. See android/README.md, "HTTPS on a device".
package app.steady.android.platform

import android.content.Context

/** Sets up certificate verification for the core's HTTPS client; [init] once, first thing. */
object SteadyTls {
    init {
        // The same library the uniffi bindings load through JNA (libsteady_ffi.so): the process
        // maps it once, so this JNI call and the later uniffi calls share the verifier's state.
        // Loading it here, through the system loader, is what binds [nativeInit].
        System.loadLibrary("steady_ffi")
    }

    @Volatile private var ready = false

    /**
     * Hands the application context to the platform verifier. Call from `Application.onCreate`,
     * before anything opens a `SteadyStore`, enrols or syncs; later calls return at once.
     *
     * @throws RuntimeException when the verifier could not be set up ("Rust error: …"); it stays
     *   unset, so a later call tries again. HTTPS cannot work until one succeeds.
     * @throws UnsatisfiedLinkError when libsteady_ffi.so is missing from the APK (a build fault).
     */
    fun init(context: Context) {
        if (ready) return
        synchronized(this) {
            if (!ready) {
                // The application context, never an Activity: the verifier keeps it for the life
                // of the process.
                nativeInit(context.applicationContext)
                ready = true
            }
        }
    }

    /** `Java_app_steady_android_platform_SteadyTls_nativeInit` in bindings/src/android.rs. */
    @JvmStatic
    private external fun nativeInit(context: Context)
}
