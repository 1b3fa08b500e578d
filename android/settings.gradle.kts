// Steady's Android app. Open this directory (android/) in Android Studio.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // The Kotlin half of rustls-platform-verifier (the core's certificate verifier on Android;
        // see app/build.gradle.kts and README.md, "HTTPS on a device"). Since the Rust crate's
        // 0.7.1 (rustls-platform-verifier-android 0.2.0) the AAR is no longer inside the crate
        // (so there is nothing for `cargo metadata` to find): it is a Maven repository on the
        // project's `maven-archive` branch. Exclusive: only group `rustls` comes from there, and
        // nothing of that group from anywhere else.
        exclusiveContent {
            forRepository {
                maven {
                    name = "rustlsPlatformVerifier"
                    url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
                }
            }
            filter { includeGroup("rustls") }
        }
    }
}

rootProject.name = "Steady"
include(":app")
