// What the Kotlin tests share: one real steady-server for the whole run, and devices — each a
// SteadyStore in its own temporary directory with its own random key, as a phone would have.
package app.steady.tests

import app.steady.core.KeyProvider
import app.steady.core.SteadyStore
import app.steady.core.model.Role
import app.steady.core.model.StaffMember
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import java.time.Instant
import java.util.UUID
import java.util.concurrent.TimeUnit

/** A key provider over fixed bytes, standing in for the Android Keystore. */
class FixedKey(
    private val key: ByteArray,
) : KeyProvider {
    override fun databaseKey(): ByteArray = key.copyOf()
}

fun randomKey(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }

/** A name no other test uses, so tests can share the server. */
fun unique(prefix: String): String = "$prefix-${UUID.randomUUID().toString().take(8)}"

/** The steady-server binary, started once (serve on a free loopback port) and stopped at exit. */
object SyncServer {
    private val bin: String =
        System
            .getProperty("steady.server.bin")
            ?.takeIf { File(it).canExecute() }
            ?: error("set -Dsteady.server.bin to a built steady-server (tests/kotlin/run.sh does)")
    private val dataDir: Path = Files.createTempDirectory("steady-server")
    private val log: File = File("target/steady-server.log")
    private val process: Process
    val url: String

    init {
        log.parentFile.mkdirs()
        process =
            ProcessBuilder(
                bin,
                "--data-dir",
                dataDir.toString(),
                "serve",
                "--listen",
                "127.0.0.1:0",
                // Many devices enrol and sync from one address in a few seconds here.
                "--enroll-limit",
                "off",
                "--sync-limit",
                "off",
                "--ip-limit",
                "off",
            ).redirectError(log).start()
        val first =
            process.inputStream.bufferedReader().readLine()
                ?: error("steady-server did not start:\n${log.readText()}")
        url = Regex("listening on (\\S+)").find(first)?.groupValues?.get(1)
            ?: error("unexpected first line from steady-server: $first")
        Runtime.getRuntime().addShutdownHook(
            Thread {
                process.destroy()
                process.waitFor(10, TimeUnit.SECONDS)
                dataDir.toFile().deleteRecursively()
            },
        )
    }

    /** Runs an admin command against the server's data directory; returns what it printed. */
    fun admin(vararg args: String): String {
        val run =
            ProcessBuilder(listOf(bin, "--data-dir", dataDir.toString()) + args)
                .redirectErrorStream(true)
                .start()
        val out = run.inputStream.bufferedReader().readText()
        check(run.waitFor(60, TimeUnit.SECONDS) && run.exitValue() == 0) {
            "steady-server ${args.joinToString(" ")} failed:\n$out"
        }
        return out
    }

    fun createUnit(
        id: String,
        name: String,
        mentalHealthUnit: Boolean = false,
    ) {
        val args = mutableListOf("unit", "create", "--id", id, "--name", name, "--organisation", "Steady Test Trust")
        if (mentalHealthUnit) args += "--mental-health-unit"
        admin(*args.toTypedArray())
    }

    /** Issues an enrolment code for one grant in [unit], ending at [ends] if given. */
    fun issueCode(
        unit: String,
        role: Role,
        ends: Instant? = null,
    ): String {
        val grant = listOfNotNull(unit, role.name.lowercase(), ends?.toString()).joinToString(":")
        val out = admin("code", "issue", "--grant", grant)
        return Regex("enrolment code:\\s*(\\S+)").find(out)?.groupValues?.get(1)
            ?: error("no code in: $out")
    }

    fun revokeDevice(deviceId: String) {
        admin("device", "revoke", "--device", deviceId)
    }
}

/** One phone: a store in its own directory, with its own key and the person using it. */
class Device(
    staffName: String = "Alex Morgan",
    jobTitle: String = "Support worker",
) : AutoCloseable {
    val dir: Path = Files.createTempDirectory("steady-device")
    val path: String = dir.resolve("steady.db").toString()
    val key: KeyProvider = FixedKey(randomKey())
    var store: SteadyStore = SteadyStore.open(path, key)
        private set

    init {
        store.setStaffMember(StaffMember(staffName, jobTitle))
    }

    /** Enrols with a fresh code for [unit] at [role] and pulls what the unit has. */
    fun join(
        unit: String,
        role: Role,
        ends: Instant? = null,
        through: String = SyncServer.url,
    ): Device {
        store.enroll(through, SyncServer.issueCode(unit, role, ends))
        store.sync(null)
        return this
    }

    /** Closes the store and opens it again from disk, as after the app was killed. */
    fun reopen() {
        store.close()
        store = SteadyStore.open(path, key)
    }

    override fun close() {
        store.close()
        dir.toFile().deleteRecursively()
    }
}

/**
 * The phone's link to the server, which can lose signal: a TCP relay on a loopback port that
 * passes bytes to the real server until [cut], and again after [restore] (same port, so the
 * enrolled address stays right).
 */
class Link : AutoCloseable {
    private val target = java.net.URI(SyncServer.url)
    private val port: Int = java.net.ServerSocket(0).use { it.localPort }
    private var listener: java.net.ServerSocket? = null
    private val open = java.util.concurrent.CopyOnWriteArrayList<java.net.Socket>()

    /** Where the phone enrols: this relay. */
    val url: String = "http://127.0.0.1:$port"

    init {
        restore()
    }

    /** Signal back: accept and relay connections again. */
    fun restore() {
        val server = java.net.ServerSocket()
        server.reuseAddress = true
        server.bind(java.net.InetSocketAddress("127.0.0.1", port))
        listener = server
        Thread {
            while (!server.isClosed) {
                val phone = runCatching { server.accept() }.getOrNull() ?: break
                val upstream = java.net.Socket(target.host, target.port)
                open += phone
                open += upstream
                pipe(phone, upstream)
                pipe(upstream, phone)
            }
        }.apply { isDaemon = true }.start()
    }

    /** No signal: the listener closes and every connection in flight is dropped. */
    fun cut() {
        listener?.close()
        open.forEach { runCatching { it.close() } }
        open.clear()
    }

    private fun pipe(
        from: java.net.Socket,
        to: java.net.Socket,
    ) {
        Thread {
            runCatching { from.getInputStream().copyTo(to.getOutputStream()) }
            runCatching { to.shutdownOutput() }
        }.apply { isDaemon = true }.start()
    }

    override fun close() = cut()
}

/** A unit on the server, made for one test. */
fun newUnit(
    prefix: String,
    name: String,
    mentalHealthUnit: Boolean = false,
): String {
    val id = unique(prefix)
    SyncServer.createUnit(id, name, mentalHealthUnit)
    return id
}

/** Writes a line the run script prints after Maven (which is kept quiet). */
fun report(
    name: String,
    line: String,
) {
    File("target/steady-$name.txt").apply { parentFile.mkdirs() }.appendText(line + "\n")
}
