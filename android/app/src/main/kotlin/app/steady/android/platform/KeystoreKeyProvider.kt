// The store's key on Android: a random 32-byte database key, wrapped (AES-256-GCM) by a key
// that lives in the Android Keystore and never leaves it. The wrapped bytes sit in
// noBackupFilesDir, so neither the store nor its key is ever in a backup; losing the Keystore
// entry (a factory reset, a new phone) makes the store unreadable, by design.
package app.steady.android.platform

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import app.steady.core.KeyException
import app.steady.core.KeyProvider
import java.io.File
import java.io.FileOutputStream
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** Implements the core's [KeyProvider] over the Android Keystore. */
class KeystoreKeyProvider(
    context: Context,
) : KeyProvider {
    private val wrappedFile = File(context.noBackupFilesDir, "steady-store.key")

    override fun databaseKey(): ByteArray =
        try {
            synchronized(LOCK) {
                if (wrappedFile.exists() && !keyStore().containsAlias(ALIAS)) {
                    // The Keystore entry is gone (reset by the system): the old key cannot be
                    // recovered. A new key makes the store answer WrongKey, and the app offers
                    // to reset the device.
                    wrappedFile.delete()
                }
                if (wrappedFile.exists()) unwrap(wrappedFile.readBytes()) else createKey()
            }
        } catch (e: KeyException) {
            throw e
        } catch (e: Exception) {
            // Locked after a reboot, keystore busy: the data is fine, try again after unlock.
            // The message names the exception type only: nothing about the key itself.
            throw KeyException.Unavailable(e.javaClass.simpleName)
        }

    /** Deletes the wrapped key and the Keystore entry (sign-out, revocation). */
    fun forget() {
        synchronized(LOCK) {
            wrappedFile.delete()
            runCatching { keyStore().deleteEntry(ALIAS) }
        }
    }

    private fun createKey(): ByteArray {
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, wrappingKey())
        val sealed = cipher.doFinal(key)
        val tmp = File(wrappedFile.path + ".tmp")
        // Durable before it is visible: a power cut never leaves a half-written key file.
        FileOutputStream(tmp).use { out ->
            out.write(byteArrayOf(cipher.iv.size.toByte()) + cipher.iv + sealed)
            out.fd.sync()
        }
        check(tmp.renameTo(wrappedFile)) { "could not save the wrapped key" }
        return key
    }

    /**
     * The store key from the wrapped file. A file too short to hold an IV and a tag, or one whose
     * GCM tag fails, is damaged for good (`Unreadable`: the app says so and offers a reset),
     * unlike a keystore that cannot answer yet (`Unavailable`: try again after unlock).
     */
    private fun unwrap(bytes: ByteArray): ByteArray {
        val ivLength = bytes.firstOrNull()?.toInt() ?: -1
        if (ivLength !in 12..16 || bytes.size < 1 + ivLength + 16 + 32) {
            throw KeyException.Unreadable("the wrapped key file is truncated (${bytes.size} bytes)")
        }
        val iv = bytes.copyOfRange(1, 1 + ivLength)
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey(), GCMParameterSpec(128, iv))
        return try {
            cipher.doFinal(bytes, 1 + ivLength, bytes.size - 1 - ivLength)
        } catch (e: AEADBadTagException) {
            throw KeyException.Unreadable("the wrapped key fails its authentication tag")
        }
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(KEYSTORE).apply { load(null) }

    private fun wrappingKey(): SecretKey {
        (keyStore().getEntry(ALIAS, null) as? KeyStore.SecretKeyEntry)?.let { return it.secretKey }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        generator.init(
            KeyGenParameterSpec
                .Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setRandomizedEncryptionRequired(true)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "app.steady.store-wrapping-key"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        val LOCK = Any()
    }
}
