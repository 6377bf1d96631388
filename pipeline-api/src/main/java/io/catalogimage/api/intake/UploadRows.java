package io.catalogimage.api.intake;

import io.catalogimage.api.input.InvalidText;
import io.catalogimage.api.intake.SubmitBatchRequest.ProductRequest;
import io.catalogimage.common.batch.ReferenceImageSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads the rows of an NDJSON or CSV upload one at a time, each with the line it starts on, so that
 * nothing but the current row is in memory. UTF-8 with or without a byte order mark; CRLF or LF.
 * CSV: a header row, RFC 4180 quoting (commas, quotes and line breaks inside quoted fields).
 */
final class UploadRows {

  /** Receives each row that could be read. */
  interface Row {
    void accept(long line, ProductRequest item);
  }

  /** Columns with a meaning of their own; every other column is an attribute. */
  static final Set<String> CSV_COLUMNS =
      Set.of("sku", "title", "description", "referenceImageUrl", "referenceImageKey");

  /** Longest column name: an attribute name, which a template may read. */
  static final int MAX_COLUMN_NAME = 100;

  private UploadRows() {}

  static void ndjson(InputStream body, JsonSubmissionParser parser, Row row, Problems problems) {
    long line = 0;
    try (BufferedReader reader = new BufferedReader(utf8(body), 1 << 16)) {
      for (String text; (text = reader.readLine()) != null; ) {
        line++;
        if (line == 1 && text.startsWith("\uFEFF")) {
          text = text.substring(1);
        }
        if (text.isBlank()) {
          continue;
        }
        long at = line;
        ProductRequest item =
            parser.parseRow(
                text,
                message -> {
                  problems.atLine(at);
                  problems.add("item", message);
                });
        if (item != null) {
          row.accept(line, item);
        }
      }
    } catch (InvalidText e) {
      problems.atLine(e.line());
      problems.add("item", e.reason());
    } catch (CharacterCodingException e) {
      problems.atLine(line + 1);
      problems.add("item", "is not UTF-8 text");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void csv(InputStream body, Row row, Problems problems) {
    CSVFormat format =
        CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).setTrim(false).get();
    // the line the record being read starts on: where a record that cannot be read is reported
    long line = 1;
    problems.atLine(line);
    try (CSVParser parser =
        CSVParser.builder().setReader(withoutBom(utf8(body))).setFormat(format).get()) {
      List<String> header = parser.getHeaderNames();
      Optional<String> headerProblem = headerProblem(header);
      if (headerProblem.isPresent()) {
        problems.add("header", headerProblem.get());
        return;
      }
      line = parser.getCurrentLineNumber() + 1;
      Iterator<CSVRecord> records = parser.iterator();
      while (records.hasNext()) {
        CSVRecord record = records.next();
        long startsAt = line;
        line = parser.getCurrentLineNumber() + 1;
        if (!record.isConsistent()) {
          problems.atLine(startsAt);
          problems.add(
              "row",
              "has "
                  + record.size()
                  + " fields, the header "
                  + header.size()
                  + "; quote fields that contain commas");
          continue;
        }
        row.accept(startsAt, item(record, header));
      }
    } catch (IOException
        | UncheckedIOException
        | IllegalStateException
        | IllegalArgumentException e) {
      // the header row or a record could not be read: bad bytes, an unterminated quote, a header
      // with an empty or repeated name; commons-csv says so by any of these exceptions
      InvalidText text = InvalidText.in(e);
      problems.atLine(text != null ? text.line() : line);
      problems.add(
          line == 1 ? "header" : "row",
          text != null ? text.reason() : "malformed CSV: " + reason(e));
    }
  }

  /** Why a header row cannot name the columns, or empty when it can. */
  private static Optional<String> headerProblem(List<String> header) {
    if (!header.contains("sku") || !header.contains("title")) {
      return Optional.of("the header row needs the columns sku and title; it has " + header);
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      if (name != null && !seen.add(name)) {
        return Optional.of("column " + (i + 1) + " repeats the name '" + name + "'");
      }
      if (name == null || name.isBlank()) {
        return Optional.of("column " + (i + 1) + " of the header row has no name");
      }
      if (name.length() > MAX_COLUMN_NAME) {
        return Optional.of(
            "column " + (i + 1) + " has a name longer than " + MAX_COLUMN_NAME + " characters");
      }
    }
    return Optional.empty();
  }

  /** The innermost message: commons-csv wraps what went wrong once or twice. */
  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = String.valueOf(t.getMessage());
    return message.length() > 200 ? message.substring(0, 200) + "..." : message;
  }

  private static ProductRequest item(CSVRecord record, List<String> header) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    for (String column : header) {
      String value = record.get(column);
      if (value.isEmpty() || CSV_COLUMNS.contains(column)) {
        continue;
      }
      String name = column.startsWith("attributes.") ? column.substring(11) : column;
      attributes.put(name, value);
    }
    String url = blankToNull(record, "referenceImageUrl");
    String key = blankToNull(record, "referenceImageKey");
    return new ProductRequest(
        blankToNull(record, "sku"),
        blankToNull(record, "title"),
        blankToNull(record, "description"),
        attributes,
        url == null && key == null ? null : new ReferenceImageSource(url, key));
  }

  private static String blankToNull(CSVRecord record, String column) {
    if (!record.isMapped(column)) {
      return null;
    }
    String value = record.get(column);
    return value.isEmpty() ? null : value;
  }

  /** Strict UTF-8: bytes that are not UTF-8 are an error, not silently replaced. */
  private static Reader utf8(InputStream body) {
    return new InputStreamReader(
        body,
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));
  }

  private static Reader withoutBom(Reader reader) throws IOException {
    java.io.PushbackReader in = new java.io.PushbackReader(reader, 1);
    int first = in.read();
    if (first != -1 && first != '\uFEFF') {
      in.unread(first);
    }
    return in;
  }
}
