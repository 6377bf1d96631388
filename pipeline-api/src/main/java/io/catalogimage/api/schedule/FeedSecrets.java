package io.catalogimage.api.schedule;

import io.catalogimage.common.id.TenantId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * Feed credentials at rest: sealed with AES-256-GCM under the configured key (bound to their
 * schedule, so a sealed value copied to another row does not open), or named by a {@code secretRef}
 * that the operator provides per tenant (a file or an environment variable). Neither is ever
 * returned by the api or logged.
 */
@Component
class FeedSecrets {

  static final Pattern REF = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  private static final String VERSION = "v1:";
  private static final int NONCE = 12;

  private final SecureRandom random = new SecureRandom();
  private final byte[] key;
  private final Path secretsDir;
  private final Function<String, String> environment;

  @org.springframework.beans.factory.annotation.Autowired
  FeedSecrets(ScheduleProperties props) {
    this(props, System::getenv);
  }

  FeedSecrets(ScheduleProperties props, Function<String, String> environment) {
    this.key = props.credentialsKeyBytes();
    this.secretsDir = props.secretsDir();
    this.environment = environment;
  }

  boolean canSeal() {
    return key != null;
  }

  String seal(String plain, String boundTo) {
    try {
      byte[] nonce = new byte[NONCE];
      random.nextBytes(nonce);
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, boundTo);
      byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE);
      System.arraycopy(sealed, 0, out, NONCE, sealed.length);
      return VERSION + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not seal a feed credential", e);
    }
  }

  String open(String sealed, String boundTo) {
    if (key == null) {
      throw new IllegalStateException(
          "a sealed feed credential needs pipeline.schedules.credentials-key");
    }
    if (!sealed.startsWith(VERSION)) {
      throw new IllegalStateException("unknown sealed credential format");
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(VERSION.length()));
      byte[] nonce = java.util.Arrays.copyOf(in, NONCE);
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, nonce, boundTo);
      return new String(cipher.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "a sealed feed credential does not open (was pipeline.schedules.credentials-key"
              + " changed?)");
    }
  }

  /** The secret a tenant's {@code secretRef} names, or empty when the operator did not set it. */
  Optional<String> resolve(TenantId tenant, String ref) {
    if (!REF.matcher(ref).matches()) {
      return Optional.empty();
    }
    if (secretsDir != null) {
      Path file = secretsDir.resolve(tenant.toString()).resolve(ref);
      try {
        return Files.isRegularFile(file)
            ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip())
            : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.ofNullable(environment.apply(environmentName(tenant, ref)))
        .filter(v -> !v.isEmpty());
  }

  /** {@code FEED_SECRET_<tenant id, 32 hex digits>_<NAME>}: one tenant cannot name another's. */
  static String environmentName(TenantId tenant, String ref) {
    return "FEED_SECRET_"
        + tenant.toString().replace("-", "").toUpperCase(Locale.ROOT)
        + "_"
        + ref.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private Cipher cipher(int mode, byte[] nonce, String boundTo) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }
}
