package io.catalogimage.api.schedule.feed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Google Merchant Center product data as RSS 2.0 ({@code <item>}) or Atom 1.0 ({@code <entry>})
 * with the {@code g:} namespace, read with StAX one product at a time. {@code g:id} and {@code id},
 * {@code g:title} and {@code title} are the same attribute; nested attributes ({@code
 * <g:shipping><g:country>}) become {@code shipping_country}; repeated ones ({@code
 * g:additional_image_link}) are joined with ", ". No DTDs, no external entities (XXE).
 */
final class MerchantCenterXml {

  private static final XMLInputFactory FACTORY = factory();

  private MerchantCenterXml() {}

  private static XMLInputFactory factory() {
    XMLInputFactory f = XMLInputFactory.newFactory();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, true);
    f.setProperty(XMLInputFactory.IS_COALESCING, true);
    return f;
  }

  static void read(InputStream in, FieldMapping mapping, FeedRows rows) throws IOException {
    XMLStreamReader xml = null;
    try {
      xml = FACTORY.createXMLStreamReader(in);
      Map<String, String> item = null;
      long itemLine = 0;
      Deque<String> path = new ArrayDeque<>();
      StringBuilder text = new StringBuilder();
      boolean rootSeen = false;
      while (xml.hasNext()) {
        int event = xml.next();
        if (event == XMLStreamConstants.START_ELEMENT) {
          String name = xml.getLocalName();
          if (!rootSeen) {
            rootSeen = true;
            if (!name.equals("rss") && !name.equals("feed")) {
              throw new FeedUnreadable(
                  (long) xml.getLocation().getLineNumber(),
                  "the XML is not an RSS 2.0 or Atom feed (its root is <" + name + ">)");
            }
          }
          if (item == null && (name.equals("item") || name.equals("entry"))) {
            item = new LinkedHashMap<>();
            itemLine = xml.getLocation().getLineNumber();
            path.clear();
          } else if (item != null) {
            path.addLast(FeedFormat.normalise(name));
            text.setLength(0);
          }
        } else if (item != null
            && (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA)) {
          text.append(xml.getText());
        } else if (event == XMLStreamConstants.END_ELEMENT && item != null) {
          if (path.isEmpty()) {
            rows.row(itemLine, mapping.row(item, name -> name));
            item = null;
          } else {
            String value = text.toString().strip();
            String key = String.join("_", path);
            if (!value.isEmpty()) {
              item.merge(key, value, (a, b) -> a + ", " + b);
            }
            path.removeLast();
            text.setLength(0);
          }
        }
      }
      if (!rootSeen) {
        throw new FeedUnreadable(1L, "the feed is empty: no XML element");
      }
    } catch (XMLStreamException e) {
      if (e.getNestedException() instanceof CharacterCodingException
          || e.getCause() instanceof CharacterCodingException) {
        throw new FeedUnreadable(null, "the feed is not UTF-8 text");
      }
      if (e.getNestedException() instanceof IOException io) {
        throw io;
      }
      Long line = e.getLocation() == null ? null : (long) e.getLocation().getLineNumber();
      throw new FeedUnreadable(line, "malformed XML: " + firstLine(e.getMessage()));
    } finally {
      if (xml != null) {
        try {
          xml.close();
        } catch (XMLStreamException ignored) {
          // nothing held beyond the stream the caller closes
        }
      }
    }
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int start = m.indexOf("Message: ");
    m = start >= 0 ? m.substring(start + 9) : m;
    int newline = m.indexOf('\n');
    return newline > 0 ? m.substring(0, newline) : m;
  }
}
