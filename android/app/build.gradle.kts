// The Steady app module. `preBuild` depends on `buildRustLibrary`, which runs
// bindings/scripts/build-android.sh: cargo-ndk builds libsteady_ffi.so for each ABI and
// uniffi-bindgen generates the Kotlin bindings, so Android Studio builds the whole app. The
// rustls-platform-verifier AAR (HTTPS certificate checks, README "HTTPS on a device") is pinned
// to the version in Cargo.lock below.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

/** The repository root: the Rust workspace is one level above android/. */
val repoRoot: File = rootDir.parentFile
val rustJniLibs: File =
    layout.buildDirectory
        .dir("rust/jniLibs")
        .get()
        .asFile

/** Where build-android.sh writes the generated Kotlin (package app.steady.core[.model]). */
val rustKotlin: File = File(System.getenv("CARGO_TARGET_DIR")?.let(::File) ?: File(repoRoot, "target"), "android/kotlin")

android {
    namespace = "app.steady.android"
    compileSdk = 36
    // The NDK cargo-ndk builds with (r27c); ANDROID_NDK_HOME overrides it.
    ndkVersion = "27.2.12479018"

    defaultConfig {
        applicationId = "app.steady.android"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures {
        compose = true
    }

    sourceSets {
        getByName("main") {
            java.srcDir(rustKotlin)
            jniLibs.srcDir(rustJniLibs)
        }
    }

    packaging {
        // JNA's desktop natives are not needed: the AAR carries Android's.
        resources.excludes += setOf("META-INF/*.kotlin_module", "com/sun/jna/**/*.so", "com/sun/jna/**/*.dll", "com/sun/jna/**/*.jnilib")
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

val buildRustLibrary by tasks.registering(Exec::class) {
    description = "Builds libsteady_ffi.so for arm64-v8a, armeabi-v7a and x86_64 and generates the Kotlin bindings."
    group = "build"
    workingDir = repoRoot
    commandLine("bash", "bindings/scripts/build-android.sh", rustJniLibs.path)
    environment("ANDROID_API", "26")
    environment(
        "ANDROID_NDK_HOME",
        System.getenv("ANDROID_NDK_HOME") ?: android.ndkDirectory.path,
    )
    inputs.dir(File(repoRoot, "core/src"))
    inputs.dir(File(repoRoot, "core/migrations"))
    inputs.dir(File(repoRoot, "bindings/src"))
    inputs.files(
        File(repoRoot, "Cargo.lock"),
        File(repoRoot, "bindings/uniffi.toml"),
        File(repoRoot, "bindings/Cargo.toml"),
        File(repoRoot, "core/Cargo.toml"),
    )
    outputs.dir(rustJniLibs)
    outputs.dir(rustKotlin)
}

tasks.named("preBuild") {
    dependsOn(buildRustLibrary)
}

/**
 * The version of the Kotlin half of rustls-platform-verifier (the AAR `rustls:rustls-platform-verifier`)
 * that matches the Rust half linked into libsteady_ffi.so: the version of the crate
 * `rustls-platform-verifier-android` in the workspace's Cargo.lock, as the crate's 0.7.1 guide
 * has it. A ValueSource, so the configuration cache rereads it when Cargo.lock changes.
 */
abstract class RustlsPlatformVerifierVersion : ValueSource<String, RustlsPlatformVerifierVersion.Params> {
    interface Params : ValueSourceParameters {
        val lockFile: RegularFileProperty
    }

    override fun obtain(): String {
        val lines =
            parameters.lockFile
                .get()
                .asFile
                .readLines()
        val name = lines.indexOfFirst { it.trim() == "name = \"$CRATE\"" }
        val version =
            if (name < 0) {
                null
            } else {
                lines
                    .drop(name + 1)
                    .firstOrNull { it.trimStart().startsWith("version = ") }
                    ?.substringAfter('"', "")
                    ?.substringBefore('"', "")
                    ?.takeIf { it.isNotEmpty() }
            }
        return version ?: throw GradleException("$CRATE is not in Cargo.lock: is rustls-platform-verifier still a dependency?")
    }

    companion object {
        const val CRATE = "rustls-platform-verifier-android"
    }
}

val rustlsPlatformVerifierVersion =
    providers.of(RustlsPlatformVerifierVersion::class.java) {
        parameters.lockFile.set(File(repoRoot, "Cargo.lock"))
    }

configurations.configureEach {
    resolutionStrategy.eachDependency {
        // Group `rustls`, as the AAR is published (maven/rustls/rustls-platform-verifier/). The
        // guide's Kotlin snippet tests for "org.rustls", which would never match and leave the
        // dependency without a version.
        if (requested.group == "rustls" && requested.name == "rustls-platform-verifier") {
            useVersion(rustlsPlatformVerifierVersion.get())
            because("the Kotlin half must be the release of ${RustlsPlatformVerifierVersion.CRATE} that Cargo.lock resolves")
        }
    }
}

dependencies {
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.foundation)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.compose.material.icons.core)
    implementation(libs.androidx.compose.ui.tooling.preview)
    debugImplementation(libs.androidx.compose.ui.tooling)
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.viewmodel.ktx)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(libs.androidx.work.runtime.ktx)
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.zxing.android.embedded)
    // The generated bindings call the Rust library through JNA; the AAR carries Android's natives.
    implementation(variantOf(libs.jna) { artifactType("aar") })
    // The Kotlin half of the core's certificate verifier (org.rustls.platformverifier), called from
    // Rust through JNI; its version comes from Cargo.lock (above). See SteadyTls.
    implementation(libs.rustls.platform.verifier)
    testImplementation(libs.junit)
}
