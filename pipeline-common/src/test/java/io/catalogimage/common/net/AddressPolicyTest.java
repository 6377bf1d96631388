package io.catalogimage.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The address policy as a class of hosts, not examples: every spelling other programs read as
 * another address (octal, hex, integer, short forms, IPv4 inside IPv6) is refused for every IPv4
 * address, public or not; the one canonical spelling is refused exactly when the address is
 * internal, by an independent list of ranges.
 */
class AddressPolicyTest {

  private final AddressPolicy publicOnly = new AddressPolicy(false);
  private final AddressPolicy anyAddress = new AddressPolicy(true);

  /** Internal IPv4 ranges, written out independently of the code under test. */
  private static final String[] INTERNAL = {
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4"
  };

  static boolean internal(int[] a) {
    long value = ((long) a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
    for (String range : INTERNAL) {
      String[] p = range.split("/");
      String[] o = p[0].split("\\.");
      long net =
          (Long.parseLong(o[0]) << 24)
              | (Long.parseLong(o[1]) << 16)
              | (Long.parseLong(o[2]) << 8)
              | Long.parseLong(o[3]);
      int bits = Integer.parseInt(p[1]);
      long mask = (0xffffffffL << (32 - bits)) & 0xffffffffL;
      if ((value & mask) == (net & mask)) {
        return true;
      }
    }
    return false;
  }

  static String canonical(int[] a) {
    return a[0] + "." + a[1] + "." + a[2] + "." + a[3];
  }

  /** Every way curl, browsers and inet_aton also read as this address, but Java may not. */
  static List<String> otherSpellings(int[] a) {
    long value = ((long) a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
    List<String> out = new ArrayList<>();
    out.add(Long.toString(value)); // one integer
    out.add("0x" + Long.toHexString(value)); // one hex number
    out.add("0" + Long.toOctalString(value)); // one octal number
    out.add(a[0] + "." + ((a[1] << 16) | (a[2] << 8) | a[3])); // a.b (24-bit tail)
    out.add(a[0] + "." + a[1] + "." + ((a[2] << 8) | a[3])); // a.b.c (16-bit tail)
    out.add(canonical(a) + "."); // trailing dot
    for (int i = 0; i < 4; i++) {
      String[] octal = {"" + a[0], "" + a[1], "" + a[2], "" + a[3]};
      octal[i] = "0" + Integer.toOctalString(a[i]);
      out.add(String.join(".", octal));
      String[] hex = {"" + a[0], "" + a[1], "" + a[2], "" + a[3]};
      hex[i] = "0x" + Integer.toHexString(a[i]);
      out.add(String.join(".", hex));
    }
    String hi = Integer.toHexString((a[0] << 8) | a[1]);
    String lo = Integer.toHexString((a[2] << 8) | a[3]);
    String teredo =
        Integer.toHexString(0xffff ^ ((a[0] << 8) | a[1]))
            + ":"
            + Integer.toHexString(0xffff ^ ((a[2] << 8) | a[3]));
    out.add("[::" + canonical(a) + "]"); // IPv4-compatible
    if (value > 1) {
      out.add("[::" + hi + ":" + lo + "]"); // (::0:0 and ::0:1 are IPv6's own :: and ::1)
    }
    out.add("[::ffff:" + canonical(a) + "]"); // IPv4-mapped
    out.add("[::ffff:" + hi + ":" + lo + "]");
    out.add("[::ffff:0:" + canonical(a) + "]"); // IPv4-translated
    out.add("[::ffff:0:" + hi + ":" + lo + "]");
    out.add("[64:ff9b::" + canonical(a) + "]"); // NAT64
    out.add("[64:ff9b::" + hi + ":" + lo + "]");
    out.add("[64:ff9b:1::" + hi + ":" + lo + "]");
    out.add("[2002:" + hi + ":" + lo + "::1]"); // 6to4
    out.add("[2001:0:4136:e378:8000:63bf:" + teredo + "]"); // Teredo
    return out;
  }

  @Provide
  Arbitrary<int[]> ipv4() {
    Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
    Arbitrary<int[]> any = octet.array(int[].class).ofSize(4);
    // plenty of internal ones too: a fifth from each internal range's start
    Arbitrary<int[]> loopbackish =
        Arbitraries.of(
                new int[] {127, 0, 0, 1},
                new int[] {10, 1, 2, 3},
                new int[] {169, 254, 169, 254},
                new int[] {192, 168, 0, 1},
                new int[] {172, 16, 0, 1},
                new int[] {100, 64, 0, 1},
                new int[] {0, 0, 0, 0},
                new int[] {8, 8, 8, 8})
            .map(int[]::clone);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, any), net.jqwik.api.Tuple.of(1, loopbackish));
  }

  @Property(tries = 300)
  void every_other_spelling_of_any_ipv4_address_is_refused(@ForAll("ipv4") int[] address) {
    for (String host : otherSpellings(address)) {
      assertThat(publicOnly.refusal(host)).as(host).isPresent();
      // ambiguity is not a matter of network policy: refused where internal addresses are allowed
      assertThat(anyAddress.refusal(host)).as(host + " (private allowed)").isPresent();
    }
  }

  @Property(tries = 300)
  void the_canonical_spelling_is_refused_exactly_when_the_address_is_internal(
      @ForAll("ipv4") int[] address) {
    assertThat(publicOnly.refusal(canonical(address)).isPresent())
        .as(canonical(address))
        .isEqualTo(internal(address));
    assertThat(anyAddress.refusal(canonical(address))).isEmpty();
  }

  @Property(tries = 200)
  void an_ipv6_answer_carrying_an_ipv4_address_is_judged_by_that_address(@ForAll("ipv4") int[] a)
      throws Exception {
    byte[] v4 = {(byte) a[0], (byte) a[1], (byte) a[2], (byte) a[3]};
    byte[] nat64 = new byte[16];
    nat64[1] = 0x64;
    nat64[2] = (byte) 0xff;
    nat64[3] = (byte) 0x9b;
    System.arraycopy(v4, 0, nat64, 12, 4);
    byte[] sixToFour = new byte[16];
    sixToFour[0] = 0x20;
    sixToFour[1] = 0x02;
    System.arraycopy(v4, 0, sixToFour, 2, 4);
    sixToFour[15] = 1;
    for (byte[] v6 : List.of(nat64, sixToFour)) {
      InetAddress answer = InetAddress.getByAddress(v6);
      assertThat(publicOnly.refusal(answer).isPresent())
          .as(answer.toString())
          .isEqualTo(internal(a));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.1.2.3",
        "localhost",
        "[::1]",
        "0.0.0.0",
        "169.254.169.254",
        "10.0.0.7",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "[fd00::1]",
        "[fe80::1]",
        "[fec0::1]",
        "224.0.0.1",
        "[ff02::1]",
        "255.255.255.255",
        "[::]"
      })
  void internal_addresses_are_refused_with_the_reason(String host) {
    assertThat(publicOnly.refusal(host)).isPresent().get().asString().contains("resolves to");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "93.184.216.34", "[2001:4860:4860::8888]"})
  void public_addresses_are_allowed(String host) {
    assertThat(publicOnly.refusal(host)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "169.254.169.254", "10.0.0.7", "[::1]"})
  void internal_addresses_are_allowed_when_configured(String host) {
    assertThat(anyAddress.refusal(host)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "no-such-host.invalid",
        "256.1.1.1",
        "1.2.3.4.5",
        "example.123",
        "[fe80::1%eth0]",
        "[fe80::1%25eth0]",
        "::1",
        "[::1",
        "a..b.example",
        "exa mple.com",
        "-leading.example",
        "[1:2]"
      })
  void hosts_that_are_not_one_readable_host_are_refused(String host) {
    assertThat(publicOnly.refusal(host)).as(host).isPresent();
  }

  @ParameterizedTest
  @MethodSource("literals")
  void literals_are_parsed_without_asking_dns(String text, boolean isAddress) {
    assertThat(AddressPolicy.literal(text).isPresent()).as(text).isEqualTo(isAddress);
  }

  static List<Object[]> literals() {
    return List.of(
        new Object[] {"10.0.0.1", true},
        new Object[] {"[::1]", true},
        new Object[] {"2001:db8::1", true},
        new Object[] {"010.0.0.1", false},
        new Object[] {"10.1", false},
        new Object[] {"999.1.1.1", false},
        new Object[] {"localhost", false},
        new Object[] {"example.com", false});
  }

  @Test
  void the_ipv4_inside_ipv6_forms_are_recognised() throws Exception {
    Inet4Address loopback = (Inet4Address) InetAddress.getByName("127.0.0.1");
    for (String v6 :
        List.of(
            "::7f00:1",
            "::ffff:0:7f00:1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2001:0:4136:e378:8000:63bf:80ff:fffe")) {
      assertThat(AddressPolicy.embeddedIpv4(InetAddress.getByName(v6))).as(v6).contains(loopback);
    }
    assertThat(AddressPolicy.embeddedIpv4(InetAddress.getByName("::1"))).isEmpty();
    assertThat(AddressPolicy.embeddedIpv4(InetAddress.getByName("2001:4860:4860::8888"))).isEmpty();
  }
}
