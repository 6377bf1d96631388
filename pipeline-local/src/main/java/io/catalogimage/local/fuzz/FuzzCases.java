package io.catalogimage.local.fuzz;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generators (jqwik) of hostile requests to every input surface of the api: plausible catalogs in
 * JSON, NDJSON and CSV with text from every plane, then mutated the ways clients and attackers
 * break them (bytes that are not UTF-8, NUL, escapes of lone surrogates, numbers and dates out of
 * range, broken quoting, truncation), upload options, Authorization, Idempotency-Key and
 * Content-Type headers. Shared by the suite's properties and {@code ./pipeline bench fuzz}.
 */
public final class FuzzCases {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Byte sequences that are not UTF-8 we can store, and what each is. */
  static final List<byte[]> BAD_BYTES =
      List.of(
          new byte[] {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
          new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong, 3 bytes
          new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate
          new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, // encoded low surrogate
          new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
          new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, // 5 bytes
          new byte[] {(byte) 0x80}, // stray continuation
          new byte[] {(byte) 0xFF},
          new byte[] {(byte) 0xE2, (byte) 0x82}, // cut
          new byte[] {0}); // NUL

  static final List<String> BAD_ESCAPES = List.of("\\u0000", "\\ud800", "\\udfff", "a\\ud83d");

  private final String key;

  /**
   * @param key a good API key of the tenant the fuzzer acts for
   */
  public FuzzCases(String key) {
    this.key = key;
  }

  public static final List<String> SURFACES =
      List.of("json", "ndjson", "csv", "query", "authorization", "idempotency-key", "content-type");

  public Arbitrary<FuzzRequest> surface(String name) {
    return switch (name) {
      case "json" -> json();
      case "ndjson" -> ndjson();
      case "csv" -> csv();
      case "query" -> query();
      case "authorization" -> authorization();
      case "idempotency-key" -> idempotencyKey();
      case "content-type" -> contentType();
      default -> throw new IllegalArgumentException(name);
    };
  }

  public Arbitrary<FuzzRequest> any() {
    return Arbitraries.oneOf(SURFACES.stream().map(this::surface).toList());
  }

  // ---- text ------------------------------------------------------------------------------

  /** Text that can be stored exactly: every plane, quotes, separators, controls but NUL. */
  static Arbitrary<String> text() {
    Arbitrary<String> piece =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(
                5, Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8)),
            net.jqwik.api.Tuple.of(
                3,
                Arbitraries.strings()
                    .withCharRange('\u0001', '\uD7FF')
                    .ofMinLength(1)
                    .ofMaxLength(4)),
            net.jqwik.api.Tuple.of(
                2,
                Arbitraries.strings()
                    .withCharRange('\uE000', '\uFFFF')
                    .ofMinLength(1)
                    .ofMaxLength(2)),
            net.jqwik.api.Tuple.of(
                2, Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)),
            net.jqwik.api.Tuple.of(
                3,
                Arbitraries.of(
                    "\"",
                    "\\",
                    ",",
                    "\n",
                    "\r\n",
                    "\r",
                    "\t",
                    " ",
                    "{{",
                    "}}",
                    "%",
                    "'",
                    ";",
                    "\u00e9",
                    "\uD83D\uDC5F",
                    "\uFEFF",
                    "../",
                    "%2f",
                    "<b>")));
    return piece.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join("", parts));
  }

  private static Arbitrary<List<FuzzRequest.Product>> products() {
    Arbitrary<FuzzRequest.Product> product =
        Combinators.combine(
                text().map(s -> s.length() > 100 ? s.substring(0, 100) : s),
                text(),
                text().injectNull(0.5))
            .as(FuzzRequest.Product::new);
    return product.list().ofMinSize(1).ofMaxSize(4);
  }

  // ---- JSON --------------------------------------------------------------------------------

  Arbitrary<FuzzRequest> json() {
    Arbitrary<String> mutation =
        Arbitraries.of(
            "none", "none", "bad-bytes", "escape", "truncate", "cap", "deadline", "type");
    return Combinators.combine(products(), mutation, Arbitraries.randoms())
        .as(
            (products, m, random) -> {
              Map<String, Object> submission = new LinkedHashMap<>();
              submission.put("name", "fuzz");
              submission.put("variants", List.of(Map.of("name", "listing")));
              submission.put("promptTemplate", "Photo of {{title}}");
              List<Map<String, Object>> items = new ArrayList<>();
              for (FuzzRequest.Product p : products) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("sku", p.sku());
                item.put("title", p.title());
                if (p.description() != null) {
                  item.put("description", p.description());
                }
                items.add(item);
              }
              submission.put("items", items);
              boolean refuse = false;
              switch (m) {
                case "cap" ->
                    submission.put(
                        "costCapUsd",
                        new java.math.BigDecimal(
                            pick(
                                random,
                                List.of(
                                    "1e9", "1e309", "-1", "0", "1e-7", "1.5", "99999999.999999"))));
                case "deadline" ->
                    submission.put(
                        "deadline",
                        pick(
                            random,
                            List.of(
                                "+999999999-01-01T00:00:00Z",
                                "10000-01-01T00:00:00Z",
                                "2099-01-01T00:00:00Z",
                                "1969-12-31T23:59:59Z",
                                "2099-02-30T00:00:00Z",
                                "tomorrow")));
                case "type" ->
                    submission.put(
                        pick(random, List.of("items", "variants", "name", "costCapUsd")),
                        pick(random, List.<Object>of(5, List.of(), Map.of(), true, "x")));
                default -> {}
              }
              String text = JSON.writeValueAsString(submission);
              byte[] body = utf8(text);
              switch (m) {
                case "bad-bytes" -> {
                  body = insertInsideString(body, pick(random, BAD_BYTES), random);
                  refuse = true;
                }
                case "escape" -> {
                  body = utf8(escapeInsideString(text, pick(random, BAD_ESCAPES), random));
                  refuse = true;
                }
                case "truncate" -> {
                  body = java.util.Arrays.copyOf(body, 1 + random.nextInt(body.length - 1));
                  refuse = true;
                }
                default -> {}
              }
              return new FuzzRequest(
                  "json",
                  m,
                  "POST",
                  "/v1/batches",
                  headers("application/json"),
                  body,
                  refuse,
                  null,
                  m.equals("none") ? products : null,
                  null);
            });
  }

  // ---- NDJSON ------------------------------------------------------------------------------

  /**
   * The body cut short inside a line's object: a cut just after a line's closing brace or its line
   * break would leave whole lines, which is valid NDJSON that the api rightly accepts.
   */
  static byte[] cutInsideALine(byte[] body, Random random) {
    int n = 1 + random.nextInt(Math.max(1, body.length - 2));
    while (n > 1 && (body[n - 1] == '}' || body[n - 1] == '\n' || body[n - 1] == '\r')) {
      n--;
    }
    return java.util.Arrays.copyOf(body, n);
  }

  Arbitrary<FuzzRequest> ndjson() {
    Arbitrary<String> mutation =
        Arbitraries.of("none", "none", "crlf-bom", "bad-bytes", "escape", "truncate", "raw-nul");
    return Combinators.combine(products(), mutation, Arbitraries.randoms())
        .as(
            (products, m, random) -> {
              StringBuilder text = new StringBuilder(m.equals("crlf-bom") ? "\uFEFF" : "");
              for (FuzzRequest.Product p : products) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("sku", p.sku());
                item.put("title", p.title());
                if (p.description() != null) {
                  item.put("description", p.description());
                }
                text.append(JSON.writeValueAsString(item))
                    .append(m.equals("crlf-bom") ? "\r\n" : "\n");
              }
              byte[] body = utf8(text.toString());
              boolean refuse = true;
              switch (m) {
                case "bad-bytes" ->
                    body = insertInsideString(body, pick(random, BAD_BYTES), random);
                case "escape" ->
                    body =
                        utf8(
                            escapeInsideString(text.toString(), pick(random, BAD_ESCAPES), random));
                case "truncate" -> body = cutInsideALine(body, random);
                case "raw-nul" ->
                    body = insertAt(body, new byte[] {0}, random.nextInt(body.length));
                default -> refuse = false;
              }
              return new FuzzRequest(
                  "ndjson",
                  m,
                  "POST",
                  UPLOAD,
                  headers("application/x-ndjson"),
                  body,
                  refuse,
                  null,
                  refuse ? null : products,
                  null);
            });
  }

  static final String UPLOAD =
      "/v1/batches?variant=listing:1:1:1K&promptTemplate=%7B%7Btitle%7D%7D";

  // ---- CSV ---------------------------------------------------------------------------------

  Arbitrary<FuzzRequest> csv() {
    Arbitrary<String> mutation =
        Arbitraries.of(
            "none",
            "none",
            "bad-bytes",
            "raw-nul",
            "unterminated-quote",
            "empty-header-name",
            "one-space",
            "repeated-header");
    return Combinators.combine(products(), mutation, Arbitraries.randoms())
        .as(
            (products, m, random) -> {
              String header =
                  switch (m) {
                    case "empty-header-name" -> "sku,,title,description";
                    case "repeated-header" -> "sku,title,description,sku";
                    default -> "sku,title,description";
                  };
              StringBuilder text = new StringBuilder(header).append("\r\n");
              for (FuzzRequest.Product p : products) {
                text.append(csvField(p.sku()))
                    .append(',')
                    .append(csvField(p.title()))
                    .append(',')
                    .append(p.description() == null ? "" : csvField(p.description()));
                if (m.equals("empty-header-name") || m.equals("repeated-header")) {
                  text.append(",x");
                }
                text.append("\r\n");
              }
              if (m.equals("unterminated-quote")) {
                text.append("LAST,\"never closed\r\n");
              }
              byte[] body = m.equals("one-space") ? utf8(" ") : utf8(text.toString());
              if (m.equals("bad-bytes")) {
                body =
                    insertAt(
                        body,
                        pick(random, BAD_BYTES),
                        header.length() + 2 + random.nextInt(body.length - header.length() - 2));
              } else if (m.equals("raw-nul")) {
                body =
                    insertAt(
                        body,
                        new byte[] {0},
                        header.length() + 2 + random.nextInt(body.length - header.length() - 2));
              }
              boolean refuse = !m.equals("none");
              List<FuzzRequest.Product> expected =
                  refuse
                      ? null
                      : products.stream()
                          .map(
                              p ->
                                  new FuzzRequest.Product(
                                      p.sku(),
                                      p.title(),
                                      p.description() == null || p.description().isEmpty()
                                          ? null
                                          : p.description()))
                          .toList();
              return new FuzzRequest(
                  "csv",
                  m,
                  "POST",
                  UPLOAD,
                  headers("text/csv"),
                  body,
                  refuse,
                  null,
                  expected,
                  null);
            });
  }

  /**
   * RFC 4180: quoted when it holds a separator, a quote or a line break (or spaces at its ends).
   */
  static String csvField(String value) {
    boolean quote =
        value.isEmpty()
            || value.contains(",")
            || value.contains("\"")
            || value.contains("\r")
            || value.contains("\n")
            || !value.strip().equals(value)
            || value.startsWith("\uFEFF");
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  // ---- upload options in the query ---------------------------------------------------------

  Arbitrary<FuzzRequest> query() {
    Arbitrary<String> option =
        Arbitraries.of(
            "name",
            "tier",
            "lane",
            "altTextLocales",
            "promptTemplate",
            "styleGuide",
            "deadline",
            "startAfter",
            "costCapUsd",
            "allowSafetyReroute",
            "callbackUrl",
            "variantPreset",
            "variant");
    Arbitrary<String> value =
        Arbitraries.oneOf(
            text().map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8)),
            Arbitraries.of(
                "fast",
                "quality",
                "bulk",
                "en,de",
                "1.5",
                "1e309",
                "1e9",
                "-1",
                "true",
                "yes",
                "2099-01-01T00:00:00Z",
                "%2B999999999-01-01T00:00:00Z",
                "listing:1:1:1K",
                "banner:4:1:2K",
                "a:b",
                "marketplace",
                "https://0177.0.0.1/x",
                "https://%5B::127.0.0.1%5D/x",
                "https://example.com/hook"));
    Arbitrary<String> broken =
        Arbitraries.of("%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%zz", "%", "%00", "a%FF");
    Arbitrary<String> mutation =
        Arbitraries.of("none", "none", "none", "broken", "repeated", "unknown");
    return Combinators.combine(
            option.list().ofMinSize(0).ofMaxSize(4),
            value.list().ofSize(4),
            mutation,
            broken,
            text().map(s -> s.length() > 150 ? s.substring(0, 150) : s),
            Arbitraries.randoms())
        .as(
            (names, values, m, bad, name, random) -> {
              StringBuilder q = new StringBuilder("?variant=listing:1:1:1K");
              List<String> used = new ArrayList<>(List.of("variant"));
              boolean refuse = false;
              for (int i = 0; i < names.size(); i++) {
                String n = names.get(i);
                if (n.equals("name") || (used.contains(n) && !n.equals("variant"))) {
                  continue;
                }
                used.add(n);
                q.append('&').append(n).append('=').append(values.get(i));
              }
              String expectedName = null;
              switch (m) {
                case "broken" -> {
                  q.append("&name=").append(bad);
                  refuse = true;
                }
                case "repeated" -> {
                  q.append("&name=a&name=b");
                  refuse = true;
                }
                case "unknown" -> {
                  q.append("&")
                      .append(pick(random, List.of("costcapUsd", "Tier", "name ", "x")))
                      .append("=1");
                  refuse = true;
                }
                default -> {
                  q.append("&name=").append(URLEncoder.encode(name, StandardCharsets.UTF_8));
                  expectedName = name.isBlank() ? "unnamed batch" : name.strip();
                }
              }
              return new FuzzRequest(
                  "query",
                  m,
                  "POST",
                  "/v1/batches" + q.toString().replace("+", "%20"),
                  headers("application/x-ndjson"),
                  utf8("{\"sku\": \"Q-1\", \"title\": \"T\"}\n"),
                  refuse,
                  null,
                  null,
                  expectedName);
            });
  }

  // ---- headers -----------------------------------------------------------------------------

  Arbitrary<FuzzRequest> authorization() {
    Arbitrary<String> latin1 =
        Arbitraries.strings().withCharRange('\u0020', '\u00ff').ofMinLength(0).ofMaxLength(60);
    Arbitrary<String[]> header =
        Arbitraries.<String[]>oneOf(
            latin1.map(s -> new String[] {"random", s}),
            latin1.map(s -> new String[] {"bearer-random", "Bearer " + s}),
            Arbitraries.integers()
                .between(0, 9)
                .map(i -> new String[] {"altered", "Bearer " + alter(key, i)}),
            Arbitraries.of("Bearer ", "bearer ", "BEARER ")
                .map(s -> new String[] {"good", s + key}),
            Arbitraries.just(new String[] {"good-spaced", "Bearer   " + key + "  "}));
    return header.map(
        h -> {
          String value = h[1].replace("\r", " ").replace("\n", " ");
          boolean good = h[0].startsWith("good") || value.equals("Bearer " + key);
          return new FuzzRequest(
              "authorization",
              h[0],
              "GET",
              "/v1/tenant/cost-cap",
              List.<String[]>of(new String[] {"Authorization", value}),
              null,
              !good,
              good,
              null,
              null);
        });
  }

  /** The key changed one way: case, a character more or less, another character, the prefix. */
  static String alter(String key, int how) {
    return switch (how) {
      case 0 -> key.toUpperCase(Locale.ROOT);
      case 1 -> key.toLowerCase(Locale.ROOT);
      case 2 -> key + "a";
      case 3 -> key.substring(0, key.length() - 1);
      case 4 -> key.substring(0, key.length() - 1) + (key.endsWith("a") ? "b" : "a");
      case 5 -> key.substring(0, 14);
      case 6 -> key.substring(0, 15);
      case 7 -> "a" + key.substring(1);
      case 8 -> key.replace('_', '-');
      default -> key + " " + key;
    };
  }

  Arbitrary<FuzzRequest> idempotencyKey() {
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.strings().withCharRange('\u0021', '\u007e').ofMinLength(1).ofMaxLength(40),
            Arbitraries.strings().withCharRange('\u0020', '\u00ff').ofMinLength(0).ofMaxLength(300),
            Arbitraries.of("", " ", "x".repeat(256), "x".repeat(255)));
    return value.map(
        v -> {
          boolean valid =
              !v.isBlank() && v.length() <= 255 && v.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
          return new FuzzRequest(
              "idempotency-key",
              valid ? "valid" : "invalid",
              "POST",
              "/v1/batches",
              List.of(
                  new String[] {"Authorization", "Bearer " + key},
                  new String[] {"Content-Type", "application/json"},
                  new String[] {"Idempotency-Key", v}),
              utf8(
                  "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"K-1\", \"title\": \"T\"}]}"),
              !valid,
              null,
              null,
              null);
        });
  }

  Arbitrary<FuzzRequest> contentType() {
    Arbitrary<String> type =
        Arbitraries.oneOf(
            Arbitraries.of(
                "application/json",
                "application/json; charset=utf-8",
                "application/json;charset=UTF8",
                "application/json; charset=latin1",
                "application/json; charset=utf-16",
                "APPLICATION/JSON",
                "application/x-ndjson",
                "text/csv",
                "text/csv; charset=\"utf-8\"",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/plain",
                "application/*",
                "*/*",
                "",
                ";",
                "application/json;;",
                "application/json; q=\u00ff",
                "image/png"),
            Arbitraries.strings().withCharRange('\u0020', '\u00ff').ofMaxLength(40));
    return type.map(
        t ->
            new FuzzRequest(
                "content-type",
                "random",
                "POST",
                "/v1/batches",
                List.of(
                    new String[] {"Authorization", "Bearer " + key},
                    new String[] {"Content-Type", t}),
                utf8(
                    "{\"variants\": [{\"name\": \"listing\"}], \"items\": [{\"sku\": \"C-1\", \"title\": \"T\"}]}"),
                false,
                null,
                null,
                null));
  }

  // ---- helpers -----------------------------------------------------------------------------

  private List<String[]> headers(String type) {
    return List.of(
        new String[] {"Authorization", "Bearer " + key}, new String[] {"Content-Type", type});
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T pick(java.util.Random random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  private static byte[] insertAt(byte[] body, byte[] insert, int at) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, at);
    out.writeBytes(insert);
    out.write(body, at, body.length - at);
    return out.toByteArray();
  }

  /** Inserts right after an opening quote of a string value, so that it lands in a field. */
  private static byte[] insertInsideString(byte[] body, byte[] insert, java.util.Random random) {
    List<Integer> quotes = new ArrayList<>();
    for (int i = 1; i < body.length; i++) {
      if (body[i] == '"' && (body[i - 1] == ':' || body[i - 1] == ' ')) {
        quotes.add(i + 1);
      }
    }
    int at = quotes.isEmpty() ? random.nextInt(body.length) : pick(random, quotes);
    return insertAt(body, insert, at);
  }

  private static String escapeInsideString(String json, String escape, java.util.Random random) {
    List<Integer> quotes = new ArrayList<>();
    for (int i = 1; i < json.length(); i++) {
      if (json.charAt(i) == '"' && (json.charAt(i - 1) == ':' || json.charAt(i - 1) == ' ')) {
        quotes.add(i + 1);
      }
    }
    int at = quotes.isEmpty() ? 1 : pick(random, quotes);
    return json.substring(0, at) + escape + json.substring(at);
  }
}
