package io.catalogimage.common.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which network addresses the pipeline may fetch from on a merchant's behalf (reference images,
 * later webhooks). By default only public addresses: a URL must not reach the loopback interface,
 * the cloud metadata service (169.254.169.254), private networks or anything else internal (SSRF).
 */
public final class AddressPolicy {

  private final boolean allowPrivate;

  /**
   * @param allowPrivate allow internal addresses too (tests, or a trusted internal image host)
   */
  public AddressPolicy(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
  }

  /**
   * Resolves {@code host} and checks every address it has.
   *
   * @return why the host is refused, or empty when it may be contacted
   */
  public Optional<String> refusal(String host) {
    if (host == null || host.isBlank()) {
      return Optional.of("the URL has no host");
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

  /** Checks one address; empty when it may be contacted. */
  public Optional<String> refusal(InetAddress a) {
    if (allowPrivate) {
      return Optional.empty();
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
    if (a.isSiteLocalAddress() || isUniqueLocal(a) || isSharedOrBenchmark(a)) {
      return Optional.of(ip + ", a private address");
    }
    if (a.isMulticastAddress()) {
      return Optional.of(ip + ", a multicast address");
    }
    return Optional.empty();
  }

  /** IPv6 unique local addresses fc00::/7, which Java does not count as site-local. */
  private static boolean isUniqueLocal(InetAddress a) {
    byte[] b = a.getAddress();
    return b.length == 16 && (b[0] & 0xfe) == 0xfc;
  }

  /** 100.64.0.0/10 (carrier-grade NAT), 198.18.0.0/15 (benchmarking) and 0.0.0.0/8. */
  private static boolean isSharedOrBenchmark(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != 4) {
      return false;
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    return (first == 100 && second >= 64 && second < 128)
        || (first == 198 && (second == 18 || second == 19))
        || first == 0;
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
