//! Android only: hands the app's `Context` to `rustls-platform-verifier`, so that `https://`
//! enrolment and sync can verify the server's certificate at all.
//!
//! Why this exists: the core's HTTP client (reqwest 0.13 on rustls) verifies certificates with
//! `rustls-platform-verifier`, which on Android asks the platform's own `X509TrustManager`
//! through JNI (its small Kotlin class `org.rustls.platformverifier.CertificateVerifier`, shipped
//! as the `rustls:rustls-platform-verifier` AAR). It can only do that once it holds the JavaVM and
//! the application `Context`; without them the first TLS handshake fails and no `https://` server
//! can be reached. Trust decisions are then Android's: the system store, and the user or
//! device-policy (MDM) certificate authorities the app's network security config admits.
//!
//! The app calls `SteadyTls.init(context)` (Kotlin, `app.steady.android.platform.SteadyTls`)
//! once from `Application.onCreate`, before anything opens a `SteadyStore` or syncs. This is a
//! plain JNI method, not part of the uniffi API: the verifier needs a JNI `Env` and a Java object
//! reference, which uniffi does not carry. The library is the same `libsteady_ffi.so` that JNA
//! loads for the uniffi calls, so both share the verifier's one process-wide state.
//!
//! Compiled only for `target_os = "android"`; on every other target the verifier needs no set-up.

use jni::EnvUnowned;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JClass, JObject};

/// JNI for `SteadyTls.nativeInit(context: Context)` (a private `@JvmStatic external fun` on
/// the Kotlin object `app.steady.android.platform.SteadyTls`, which the app reaches through
/// `SteadyTls.init(context)`, passing the application context so no Activity is held):
/// initialises `rustls-platform-verifier` with this process's JavaVM and `context`.
///
/// Call it once, before the first TLS handshake; later calls do nothing (the verifier keeps the
/// first JavaVM and context for the life of the process). A failure is thrown to Kotlin as a
/// `java.lang.RuntimeException` ("Rust error: …"; a panic, which should not happen, arrives as
/// "Rust panic: …") and the verifier stays uninitialised, so a later call tries again. Nothing
/// unwinds into the JVM.
#[unsafe(no_mangle)]
pub extern "system" fn Java_app_steady_android_platform_SteadyTls_nativeInit<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) {
    unowned_env
        .with_env(|env| -> jni::errors::Result<()> {
            if context.is_null() {
                return Err(jni::errors::Error::NullPtr("SteadyTls.nativeInit: context"));
            }
            rustls_platform_verifier::android::init_with_env(env, context)
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}
