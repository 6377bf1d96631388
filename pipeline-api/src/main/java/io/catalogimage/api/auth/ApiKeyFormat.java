package io.catalogimage.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API keys look like {@code cip_7Hq2xKp9Zd_<32 random chars>}: the part up to the second underscore
 * is the public prefix (shown in listings, used to find the key), the rest is secret.
 */
public final class ApiKeyFormat {

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final Pattern KEY = Pattern.compile("(cip_[A-Za-z0-9]{10})_[A-Za-z0-9]{32}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeyFormat() {}

  /** A new random key. */
  public static String generate() {
    return "cip_" + random(10) + "_" + random(32);
  }

  /** The prefix of a well-formed key; empty for anything else. */
  public static Optional<String> parse(String key) {
    if (key == null) {
      return Optional.empty();
    }
    Matcher m = KEY.matcher(key);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String random(int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
