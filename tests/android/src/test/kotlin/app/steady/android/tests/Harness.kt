// What the Android app's JVM checks share: a real steady-server (its `demo`, so the data is the
// invented organisation every developer sees), devices that are real encrypted stores in
// temporary directories, and sessions whose clock the tests move by hand.
package app.steady.android.tests

import app.steady.android.state.Clock
import app.steady.android.state.DeviceHooks
import app.steady.android.state.SteadySession
import app.steady.android.state.TimeLabels
import app.steady.core.KeyProvider
import app.steady.core.SteadyStore
import app.steady.core.model.Role
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.test.setMain
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import java.time.ZoneId
import java.util.UUID
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/**
 * The prone-hold limit, for moving the tests' clocks: 10 minutes. The rule itself is the
 * core's (`proneHoldOverTenMinutes`); the app does not restate it.
 */
const val PRONE_ALERT_AFTER_MS: Long = 10 * 60 * 1000

/** A key provider over fixed bytes, standing in for the Android Keystore. */
class FixedKey(
    private val key: ByteArray,
) : KeyProvider {
    override fun databaseKey(): ByteArray = key.copyOf()
}

/** A clock the test moves. */
class FakeClock(
    start: Long = System.currentTimeMillis(),
) : Clock {
    private val now = AtomicLong(start)

    override fun nowMillis(): Long = now.get()

    /** Moves the clock on by [millis]. */
    fun advance(millis: Long) {
        now.addAndGet(millis)
    }
}

/** Records what the app asked the platform to do. */
class RecordingHooks : DeviceHooks {
    val syncRequests = AtomicInteger()

    @Volatile var forgotten = false

    override fun requestSync() {
        syncRequests.incrementAndGet()
    }

    override fun forgetDevice() {
        forgotten = true
    }
}

/** The real steady-server's `demo`, on a free loopback port, stopped at exit. */
object DemoServer {
    private val bin: String =
        System
            .getProperty("steady.server.bin")
            ?.takeIf { File(it).canExecute() }
            ?: error("set -Dsteady.server.bin to a built steady-server (tests/android/run.sh does)")
    private val dataDir: Path = Files.createTempDirectory("steady-android-server")
    private val log = File("target/steady-server.log")
    private val process: Process

    /** The server's address. */
    val url: String

    /** The demo's first enrolment link (editor in Oakfield House, reader on Willow Ward). */
    val enrolmentLink: String

    init {
        log.parentFile.mkdirs()
        process =
            ProcessBuilder(
                bin,
                "--data-dir",
                dataDir.toString(),
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--enroll-limit",
                "off",
                "--sync-limit",
                "off",
                "--ip-limit",
                "off",
            ).redirectError(log).start()
        val reader = process.inputStream.bufferedReader()
        var foundUrl: String? = null
        var foundLink: String? = null
        while (foundLink == null) {
            val line = reader.readLine() ?: error("steady-server demo stopped:\n${log.readText()}")
            Regex("listening on\\s+(\\S+)").find(line)?.let { foundUrl = it.groupValues[1] }
            Regex("QR payload:\\s+(\\S+)").find(line)?.let { foundLink = it.groupValues[1] }
        }
        url = foundUrl ?: error("no address from steady-server demo")
        enrolmentLink = foundLink!!
        Thread { reader.lineSequence().forEach { _ -> } }.apply { isDaemon = true }.start()
        Runtime.getRuntime().addShutdownHook(
            Thread {
                process.destroy()
                process.waitFor(10, TimeUnit.SECONDS)
                dataDir.toFile().deleteRecursively()
            },
        )
    }

    /** Runs an admin command against the server's data directory. */
    fun admin(vararg args: String): String {
        val run = ProcessBuilder(listOf(bin, "--data-dir", dataDir.toString()) + args).redirectErrorStream(true).start()
        val out = run.inputStream.bufferedReader().readText()
        check(run.waitFor(60, TimeUnit.SECONDS) && run.exitValue() == 0) { "steady-server ${args.joinToString(" ")} failed:\n$out" }
        return out
    }

    /** A new unit for one test. */
    fun newUnit(
        name: String,
        mentalHealthUnit: Boolean = false,
    ): String {
        val id = "unit-" + UUID.randomUUID().toString().take(8)
        val args = mutableListOf("unit", "create", "--id", id, "--name", name, "--organisation", "Steady Test Trust")
        if (mentalHealthUnit) args += "--mental-health-unit"
        admin(*args.toTypedArray())
        return id
    }

    /** An enrolment code for [unit] at [role]. */
    fun issueCode(
        unit: String,
        role: Role,
    ): String {
        val out = admin("code", "issue", "--grant", "$unit:${role.name.lowercase()}")
        return Regex("enrolment code:\\s*(\\S+)").find(out)?.groupValues?.get(1) ?: error("no code in: $out")
    }
}

/** The Care home and ward ids of the demo. */
const val OAKFIELD = "demo-oakfield"
const val WILLOW = "demo-willow-ward"

/** One phone: an encrypted store in its own directory, and a session over it. */
class Device : AutoCloseable {
    val dir: Path = Files.createTempDirectory("steady-android-device")
    val path: String = dir.resolve("steady.db").toString()
    val store: SteadyStore = SteadyStore.open(path, FixedKey(ByteArray(32).also { SecureRandom().nextBytes(it) }))
    val clock = FakeClock()
    val hooks = RecordingHooks()

    /** Everything runs in the caller's thread, so each event has finished when it returns. */
    val session =
        SteadySession(
            store = store,
            device = hooks,
            clock = clock,
            labels = TimeLabels(ZoneId.of("Europe/London")),
            io = Dispatchers.Unconfined,
            persistScope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined),
        )

    /** Enrols straight through the store with a fresh code and pulls the unit. */
    fun join(
        unit: String,
        role: Role,
        name: String = "Jo Bell",
        title: String = "Support worker",
    ): Device {
        store.setStaffMember(
            app.steady.core.model
                .StaffMember(name, title),
        )
        store.enroll(DemoServer.url, DemoServer.issueCode(unit, role))
        store.sync(null)
        return this
    }

    override fun close() {
        runCatching { store.close() }
        dir.toFile().deleteRecursively()
    }
}

/** ViewModels launch on Main: in these tests Main is the caller's thread. */
@OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
fun useTestMain() {
    Dispatchers.setMain(Dispatchers.Unconfined)
}
