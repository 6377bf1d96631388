package io.catalogimage.api.auth;

import io.catalogimage.common.net.AddressPolicy;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The address a request comes from, for the failed-authentication limits. Behind a load balancer
 * every connection comes from the balancer, so the client is read from {@code X-Forwarded-For}, but
 * only when the connection comes from a configured proxy: anyone else could write that header. The
 * list is read right to left, skipping our own proxies: the first other address is the one our
 * outermost proxy saw, whatever a client wrote further left.
 */
final class ClientAddresses {

  /** A configured proxy: an address, or a range of them. */
  private record Range(byte[] network, int bits) {

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Range> proxies;

  ClientAddresses(List<String> trustedProxies) {
    this.proxies = trustedProxies.stream().map(ClientAddresses::range).toList();
  }

  /**
   * An IP address or CIDR range, nothing else: a host name would be resolved by DNS, which could
   * then decide whom we trust.
   */
  static void checkRange(String text) {
    range(text);
  }

  private static Range range(String text) {
    String[] parts = text == null ? new String[0] : text.strip().split("/", -1);
    Optional<InetAddress> address =
        parts.length == 1 || parts.length == 2 ? AddressPolicy.literal(parts[0]) : Optional.empty();
    if (address.isEmpty()) {
      throw new IllegalArgumentException(
          "pipeline.security.trusted-proxies: '"
              + text
              + "' is not an IP address or CIDR range such as 10.0.0.0/8");
    }
    byte[] network = address.get().getAddress();
    int bits = network.length * 8;
    if (parts.length == 2) {
      try {
        bits = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > network.length * 8) {
        throw new IllegalArgumentException(
            "pipeline.security.trusted-proxies: '" + text + "' has an invalid prefix length");
      }
    }
    return new Range(network, bits);
  }

  String of(HttpServletRequest request) {
    String remote = request.getRemoteAddr();
    if (proxies.isEmpty() || !trusted(remote)) {
      return remote;
    }
    List<String> hops = new ArrayList<>();
    for (String header : Collections.list(request.getHeaders("X-Forwarded-For"))) {
      for (String hop : header.split(",")) {
        if (!hop.isBlank()) {
          hops.add(hop.strip());
        }
      }
    }
    for (int i = hops.size() - 1; i >= 0; i--) {
      Optional<InetAddress> hop = AddressPolicy.literal(hops.get(i));
      if (hop.isEmpty()) {
        // what our own proxy appended is always an address: this was written by a client
        return remote;
      }
      if (!trusted(hop.get())) {
        return hop.get().getHostAddress();
      }
    }
    return hops.isEmpty() ? remote : hops.get(0);
  }

  private boolean trusted(String address) {
    return AddressPolicy.literal(address).map(this::trusted).orElse(false);
  }

  private boolean trusted(InetAddress address) {
    return proxies.stream().anyMatch(p -> p.contains(address));
  }
}
