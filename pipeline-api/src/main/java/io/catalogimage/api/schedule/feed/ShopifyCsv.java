package io.catalogimage.api.schedule.feed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Shopify's product CSV export: one product per {@code Handle}, spread over consecutive rows (the
 * first with the title and description, the next ones with more variants or more images). A product
 * is its first row's columns, named as a template can write them ({@code Body (HTML)} -> {@code
 * body_html}, its HTML tags removed), with each option's values over all its variants ({@code
 * Option1 Name} "Color" -> attribute {@code color}: "Blue, Red") and the first image ({@code
 * image_src}).
 */
final class ShopifyCsv {

  private static final Pattern TAG = Pattern.compile("<[^>]*>");
  private static final Pattern SPACE = Pattern.compile("\\s+");

  private ShopifyCsv() {}

  static void read(InputStream in, FieldMapping mapping, FeedRows rows) throws IOException {
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .get();
    try (CSVParser parser =
        CSVParser.builder().setReader(Utf8.reader(in)).setFormat(format).get()) {
      List<String> header = parser.getHeaderNames().stream().map(FeedFormat::normalise).toList();
      String handleColumn = mapping.source("sku");
      if (!header.contains(handleColumn)) {
        throw new FeedUnreadable(
            1L,
            "the header row has no column '"
                + handleColumn
                + "' (a Shopify product export starts with Handle); it has "
                + header);
      }
      Product current = null;
      long line = parser.getCurrentLineNumber() + 1;
      for (CSVRecord record : parser) {
        long startsAt = line;
        line = parser.getCurrentLineNumber() + 1;
        if (!record.isConsistent()) {
          rows.unreadable(
              startsAt,
              null,
              "row",
              "has " + record.size() + " fields, the header " + header.size());
          continue;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
          values.put(header.get(i), record.get(i));
        }
        String handle = values.get(handleColumn);
        if (current != null && !current.handle.equals(handle)) {
          current.emit(mapping, rows);
          current = null;
        }
        if (current == null) {
          current = new Product(handle, startsAt, values);
        } else {
          current.more(values);
        }
      }
      if (current != null) {
        current.emit(mapping, rows);
      }
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof CharacterCodingException) {
        throw new FeedUnreadable(null, "the feed is not UTF-8 text");
      }
      throw e.getCause();
    } catch (CharacterCodingException e) {
      throw new FeedUnreadable(null, "the feed is not UTF-8 text");
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new FeedUnreadable(null, "malformed CSV: " + e.getMessage());
    }
  }

  /** The rows of one handle so far. */
  private static final class Product {
    private final String handle;
    private final long line;
    private final Map<String, String> first;
    private final Map<String, Set<String>> options = new LinkedHashMap<>();

    Product(String handle, long line, Map<String, String> first) {
      this.handle = handle;
      this.line = line;
      this.first = first;
      collectOptions(first);
    }

    void more(Map<String, String> row) {
      collectOptions(row);
      if (isEmpty(first.get("image_src")) && !isEmpty(row.get("image_src"))) {
        first.put("image_src", row.get("image_src"));
      }
    }

    private void collectOptions(Map<String, String> row) {
      for (int i = 1; i <= 3; i++) {
        String name = first.get("option" + i + "_name");
        String value = row.get("option" + i + "_value");
        if (!isEmpty(name) && !isEmpty(value) && !name.equalsIgnoreCase("Title")) {
          options
              .computeIfAbsent(FeedFormat.normalise(name), n -> new LinkedHashSet<>())
              .add(value);
        }
      }
    }

    void emit(FieldMapping mapping, FeedRows rows) {
      Map<String, String> record = new LinkedHashMap<>(first);
      String body = record.get("body_html");
      if (!isEmpty(body)) {
        record.put("body_html", text(body));
      }
      options.forEach((name, values) -> record.putIfAbsent(name, String.join(", ", values)));
      rows.row(line, mapping.row(record, name -> name));
    }
  }

  /** HTML as the plain text a prompt wants: tags dropped, common entities decoded. */
  static String text(String html) {
    String t = TAG.matcher(html).replaceAll(" ");
    t =
        t.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
    return SPACE.matcher(t).replaceAll(" ").strip();
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
