package io.plank.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The development mode's RSA key pair, made once and kept as PEM files (plank-run/target/dev-keys): a token printed by
 * an earlier run stays valid across restarts until it expires, and ./run.sh's build keeps plank-run's target/.
 */
record DevelopmentKeys(RSAPublicKey publicKey, RSAPrivateKey privateKey) {

    static final String PUBLIC_FILE = "public.pem";
    static final String PRIVATE_FILE = "private.pem";

    /** The pair in {@code dir}, or a new one written there. */
    static DevelopmentKeys loadOrCreate(Path dir) {
        Path publicFile = dir.resolve(PUBLIC_FILE);
        Path privateFile = dir.resolve(PRIVATE_FILE);
        try {
            if (Files.isRegularFile(publicFile) && Files.isRegularFile(privateFile)) {
                KeyFactory rsa = KeyFactory.getInstance("RSA");
                return new DevelopmentKeys(
                        (RSAPublicKey) rsa.generatePublic(new X509EncodedKeySpec(der(Files.readString(publicFile)))),
                        (RSAPrivateKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(der(Files.readString(privateFile)))));
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            var pair = generator.generateKeyPair();
            var keys = new DevelopmentKeys((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate());
            Files.createDirectories(dir);
            writePrivate(privateFile, pem("PRIVATE KEY", keys.privateKey().getEncoded()));
            Files.writeString(publicFile, keys.publicKeyPem()); // last: both files exist only once both are complete
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or write the development keys in " + dir, e);
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalStateException("The development keys in " + dir + " are damaged: delete the directory to"
                    + " make new ones", e);
        }
    }

    /** The public key as PLANK_AUTH_PUBLIC_KEY takes it. */
    String publicKeyPem() {
        return pem("PUBLIC KEY", publicKey.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    }

    /** Readable by its owner only, where the file system knows permissions. */
    private static void writePrivate(Path file, String pem) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, pem);
    }
}
