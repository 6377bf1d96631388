package io.catalogimage.api.schedule.feed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Our CSV (as uploads: a header row, RFC 4180 quoting) and Merchant Center's TSV (a header row of
 * attribute names, tab-separated, quotes only where a value holds a tab or line break).
 */
final class DelimitedFeed {

  private DelimitedFeed() {}

  static void read(
      InputStream in, char delimiter, boolean normalise, FieldMapping mapping, FeedRows rows)
      throws IOException {
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setDelimiter(delimiter)
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .setTrim(false)
            .get();
    try (CSVParser parser =
        CSVParser.builder().setReader(Utf8.reader(in)).setFormat(format).get()) {
      List<String> header =
          normalise
              ? parser.getHeaderNames().stream().map(FeedFormat::normalise).toList()
              : parser.getHeaderNames();
      String sku = mapping.source("sku");
      if (sku == null || !header.contains(sku)) {
        throw new FeedUnreadable(
            1L,
            "the header row has no column '"
                + sku
                + "' for the SKU (set fieldMapping.sku to the column that has it); it has "
                + header);
      }
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
        rows.row(
            startsAt, mapping.row(values, normalise ? name -> name : FeedFormat::ownAttribute));
      }
    } catch (UncheckedIOException e) {
      throw unreadable(e.getCause());
    } catch (CharacterCodingException e) {
      throw new FeedUnreadable(null, "the feed is not UTF-8 text");
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new FeedUnreadable(
          null, "malformed " + (delimiter == '\t' ? "TSV" : "CSV") + ": " + e.getMessage());
    }
  }

  private static RuntimeException unreadable(Throwable cause) throws IOException {
    if (cause instanceof CharacterCodingException) {
      return new FeedUnreadable(null, "the feed is not UTF-8 text");
    }
    if (cause instanceof IOException io) {
      throw io;
    }
    return new FeedUnreadable(null, String.valueOf(cause));
  }
}
