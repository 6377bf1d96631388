package io.catalogimage.common.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which hosts the pipeline may contact on a merchant's behalf (webhook callbacks in the api,
 * reference photos in the worker). By default only public addresses: a URL must not reach the
 * loopback interface, the cloud metadata service (169.254.169.254), private networks or anything
 * else internal (SSRF).
 *
 * <p>A host is first read as text, and refused when programs could read it differently: Java reads
 * {@code 0177.0.0.1} as 177.0.0.1 while curl, browsers and the C library read it as 127.0.0.1
 * (octal); {@code 0x7f.1}, {@code 127.1} and {@code 2130706433} are 127.0.0.1 to them too. So an
 * IPv4 address is taken only as four decimal numbers without leading zeros, and an IPv6 literal
 * only when it does not carry an IPv4 address inside ({@code [::127.0.0.1]}, {@code
 * [::ffff:127.0.0.1]}, NAT64, 6to4, Teredo). Only then is the name resolved and every address it
 * has checked.
 */
public final class AddressPolicy {

  private static final Pattern DECIMAL_OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9A-Fa-f]*");
  private static final Pattern HOST_LABEL =
      Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?");
  private static final Pattern IPV6_TEXT = Pattern.compile("[0-9A-Fa-f:.]+");
  private static final int MAX_HOST = 253;

  private final boolean allowPrivate;

  /**
   * @param allowPrivate allow internal addresses too (tests, or a trusted internal image host);
   *     ambiguous spellings are refused all the same
   */
  public AddressPolicy(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
  }

  /**
   * Reads {@code host} (as a URL gives it: IPv6 in brackets), resolves it and checks every address
   * it has.
   *
   * @return why the host is refused, or empty when it may be contacted
   */
  public Optional<String> refusal(String host) {
    if (host == null || host.isBlank()) {
      return Optional.of("the URL has no host");
    }
    Optional<String> ambiguous = ambiguity(host);
    if (ambiguous.isPresent()) {
      return ambiguous;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(stripBrackets(host));
    } catch (UnknownHostException e) {
      return Optional.of("host " + host + " does not resolve");
    }
    for (InetAddress address : addresses) {
      Optional<String> refused = refusal(address);
      if (refused.isPresent()) {
        return Optional.of("host " + host + " resolves to " + refused.get());
      }
    }
    return Optional.empty();
  }

  /**
   * Why {@code host} cannot be read one way only, or empty when it can: a name of letters, digits,
   * hyphens and underscores, an IPv4 address as four decimal numbers, or an IPv6 literal without an
   * IPv4 address inside.
   */
  public static Optional<String> ambiguity(String host) {
    if (host.length() > MAX_HOST + 2) {
      return Optional.of("host is longer than " + MAX_HOST + " characters");
    }
    if (host.startsWith("[") || host.contains(":")) {
      return ipv6Ambiguity(host);
    }
    String[] labels = host.split("\\.", -1);
    String last = labels[labels.length - 1];
    if (last.isEmpty() && labels.length > 1) {
      last = labels[labels.length - 2];
    }
    if (NUMERIC_LABEL.matcher(last).matches()) {
      // browsers and the C library read any host ending in a number as an IPv4 address
      if (labels.length != 4 || !Arrays.stream(labels).allMatch(DECIMAL_OCTET.asMatchPredicate())) {
        return Optional.of(
            "host "
                + host
                + " is a number other programs read as another address (octal, hex, fewer than"
                + " four parts or a trailing dot); write an IPv4 address as four decimal numbers"
                + " without leading zeros");
      }
      if (Arrays.stream(labels).anyMatch(l -> Integer.parseInt(l) > 255)) {
        return Optional.of("host " + host + " is not an IPv4 address (a part is above 255)");
      }
      return Optional.empty();
    }
    for (int i = 0; i < labels.length; i++) {
      boolean trailingDot = i == labels.length - 1 && labels[i].isEmpty() && i > 0;
      if (!trailingDot && (labels[i].length() > 63 || !HOST_LABEL.matcher(labels[i]).matches())) {
        return Optional.of(
            "host " + host + " is not a host name (letters, digits, '-' and '_' between dots)");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> ipv6Ambiguity(String host) {
    if (!host.startsWith("[") || !host.endsWith("]")) {
      return Optional.of("host " + host + " is not a host name; write IPv6 addresses in brackets");
    }
    String text = host.substring(1, host.length() - 1);
    if (!IPV6_TEXT.matcher(text).matches() || !text.contains(":")) {
      return Optional.of(
          "host " + host + " is not an IPv6 address (hex digits and colons; no zone id)");
    }
    if (text.contains(".")) {
      return Optional.of(
          "host "
              + host
              + " carries an IPv4 address inside an IPv6 literal; write the IPv4 address itself");
    }
    Optional<InetAddress> address = literal(text);
    if (address.isEmpty()) {
      return Optional.of("host " + host + " is not an IPv6 address");
    }
    if (address.get() instanceof Inet4Address || embeddedIpv4(address.get()).isPresent()) {
      return Optional.of(
          "host "
              + host
              + " is an IPv4 address in IPv6 form (mapped, compatible, NAT64, 6to4 or Teredo);"
              + " write the IPv4 address itself");
    }
    return Optional.empty();
  }

  /**
   * An IP address written as one: four decimal numbers (0-255, no leading zeros) or an IPv6
   * literal, in brackets or not. Never asks DNS; empty for names and anything else.
   */
  public static Optional<InetAddress> literal(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    String bare = stripBrackets(text);
    boolean v4 = bare.indexOf(':') < 0;
    if (v4) {
      String[] parts = bare.split("\\.", -1);
      if (parts.length != 4
          || !Arrays.stream(parts).allMatch(DECIMAL_OCTET.asMatchPredicate())
          || Arrays.stream(parts).anyMatch(p -> Integer.parseInt(p) > 255)) {
        return Optional.empty();
      }
    } else if (!IPV6_TEXT.matcher(bare).matches()) {
      return Optional.empty();
    }
    try {
      // a string of digits, dots and colons in one of these two shapes is parsed, not looked up
      return Optional.of(InetAddress.getByName(bare));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  /** Checks one address; empty when it may be contacted. */
  public Optional<String> refusal(InetAddress a) {
    if (allowPrivate) {
      return Optional.empty();
    }
    Optional<Inet4Address> embedded = embeddedIpv4(a);
    if (embedded.isPresent()) {
      // an IPv6 answer that carries an IPv4 address (NAT64 and the like) reaches that address
      return refusal(embedded.get()).map(why -> a.getHostAddress() + ", which carries " + why);
    }
    String ip = a.getHostAddress();
    if (a.isLoopbackAddress()) {
      return Optional.of(ip + ", a loopback address");
    }
    if (a.isAnyLocalAddress()) {
      return Optional.of(ip + ", the unspecified address");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of(ip + ", a link-local address (e.g. a cloud metadata service)");
    }
    if (a.isSiteLocalAddress() || isUniqueLocal(a) || isSharedOrReserved(a)) {
      return Optional.of(ip + ", a private or reserved address");
    }
    if (a.isMulticastAddress()) {
      return Optional.of(ip + ", a multicast address");
    }
    return Optional.empty();
  }

  /**
   * The IPv4 address an IPv6 address stands for: IPv4-compatible (::a.b.c.d, but not :: and ::1),
   * IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and
   * Teredo (2001::/32, the client address inverted).
   */
  static Optional<Inet4Address> embeddedIpv4(InetAddress a) {
    if (!(a instanceof Inet6Address)) {
      return Optional.empty();
    }
    byte[] b = a.getAddress();
    byte[] v4 = null;
    if (allZero(b, 0, 12) && !(allZero(b, 12, 15) && (b[15] == 0 || b[15] == 1))) {
      v4 = Arrays.copyOfRange(b, 12, 16);
    } else if (allZero(b, 0, 8)
        && (b[8] & 0xff) == 0xff
        && (b[9] & 0xff) == 0xff
        && allZero(b, 10, 12)) {
      v4 = Arrays.copyOfRange(b, 12, 16);
    } else if (b[0] == 0
        && b[1] == 0x64
        && (b[2] & 0xff) == 0xff
        && (b[3] & 0xff) == 0x9b
        && ((allZero(b, 4, 12)) || (b[4] == 0 && b[5] == 1))) {
      v4 = Arrays.copyOfRange(b, 12, 16);
    } else if (b[0] == 0x20 && b[1] == 0x02) {
      v4 = Arrays.copyOfRange(b, 2, 6);
    } else if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
      v4 = new byte[4];
      for (int i = 0; i < 4; i++) {
        v4[i] = (byte) ~b[12 + i];
      }
    }
    if (v4 == null) {
      return Optional.empty();
    }
    try {
      return Optional.of((Inet4Address) InetAddress.getByAddress(v4));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** IPv6 unique local addresses fc00::/7, which Java does not count as site-local. */
  private static boolean isUniqueLocal(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 && (b[0] & 0xfe) == 0xfc;
  }

  /**
   * 0.0.0.0/8, 100.64.0.0/10 (carrier-grade NAT), 192.0.0.0/24 (protocol assignments),
   * 198.18.0.0/15 (benchmarking) and 240.0.0.0/4 (reserved, with the broadcast address).
   */
  private static boolean isSharedOrReserved(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != 4) {
      return false;
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    return first == 0
        || (first == 100 && second >= 64 && second < 128)
        || (first == 192 && second == 0 && b[2] == 0)
        || (first == 198 && (second == 18 || second == 19))
        || first >= 240;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
