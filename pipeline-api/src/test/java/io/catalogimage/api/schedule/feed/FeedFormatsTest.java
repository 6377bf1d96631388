package io.catalogimage.api.schedule.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.api.intake.FeedIntake;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The feeds merchants already have, read as products: Merchant Center TSV and XML, Shopify CSV. */
class FeedFormatsTest {

  record Read(long line, FeedIntake.Row row) {}

  record Bad(long line, String sku, String message) {}

  static final class Collect implements FeedRows {
    final List<Read> rows = new ArrayList<>();
    final List<Bad> bad = new ArrayList<>();

    @Override
    public void row(long line, FeedIntake.Row row) {
      rows.add(new Read(line, row));
    }

    @Override
    public void unreadable(long line, String sku, String field, String message) {
      bad.add(new Bad(line, sku, message));
    }
  }

  private static Collect read(
      FeedFormat format, InputStream in, Map<String, String> mapping, boolean imageLink)
      throws Exception {
    Collect c = new Collect();
    format.read(in, format.mapping(mapping, imageLink), c);
    return c;
  }

  private static InputStream resource(String name) {
    return FeedFormatsTest.class.getResourceAsStream("/feeds/" + name);
  }

  private static InputStream text(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void merchantCenterTsvMapsIdToSkuAndKeepsTheRestAsAttributes() throws Exception {
    Collect c = read(FeedFormat.MERCHANT_CENTER_TSV, resource("merchant-center.tsv"), null, true);

    assertThat(c.rows).hasSize(3);
    FeedIntake.Row first = c.rows.get(0).row();
    assertThat(first.sku()).isEqualTo("MC-001");
    assertThat(first.title()).isEqualTo("Merino wool sweater");
    assertThat(first.description()).isEqualTo("Soft crew neck sweater");
    assertThat(first.referenceImage().url()).isEqualTo("https://cdn.example.com/mc-001.jpg");
    assertThat(first.attributes())
        .containsEntry("color", "navy")
        .containsEntry("brand", "Nordkap")
        .containsEntry("price", "89.00 EUR")
        .doesNotContainKey("image_link")
        .doesNotContainKey("id");
    assertThat(c.rows.get(1).row().title()).isEqualTo("Linen shirt \"Riviera\"");
    assertThat(c.rows.get(2).row().title()).isEqualTo("Kaffeebecher Über");
    assertThat(c.rows.get(2).line()).isEqualTo(4);
  }

  @Test
  void imageLinkIsAnAttributeUnlessTheScheduleMakesItTheReferencePhoto() throws Exception {
    Collect c = read(FeedFormat.MERCHANT_CENTER_TSV, resource("merchant-center.tsv"), null, false);

    assertThat(c.rows.get(0).row().referenceImage()).isNull();
    assertThat(c.rows.get(0).row().attributes())
        .containsEntry("image_link", "https://cdn.example.com/mc-001.jpg");
  }

  @Test
  void merchantCenterXmlReadsTheGNamespaceNestedAndRepeatedAttributes() throws Exception {
    Collect c = read(FeedFormat.MERCHANT_CENTER_XML, resource("merchant-center.xml"), null, true);

    assertThat(c.rows).hasSize(3);
    FeedIntake.Row first = c.rows.get(0).row();
    assertThat(c.rows.get(0).line()).isEqualTo(7);
    assertThat(first.sku()).isEqualTo("MC-001");
    assertThat(first.title()).isEqualTo("Merino wool sweater");
    assertThat(first.description()).isEqualTo("Soft <b>crew neck</b> sweater & more");
    assertThat(first.referenceImage().url()).isEqualTo("https://cdn.example.com/mc-001.jpg");
    assertThat(first.attributes())
        .containsEntry("color", "navy")
        .containsEntry(
            "additional_image_link",
            "https://cdn.example.com/mc-001-b.jpg, https://cdn.example.com/mc-001-c.jpg")
        .containsEntry("shipping_country", "DE")
        .containsEntry("shipping_price", "4.95 EUR");
    // RSS's own title and description count as well as g:title
    assertThat(c.rows.get(1).row().title()).isEqualTo("Linen shirt");
    assertThat(c.rows.get(1).row().description()).isEqualTo("Breathable summer shirt");
    assertThat(c.rows.get(2).row().title()).isNull();
  }

  @Test
  void xmlWithAnExternalEntityIsRefusedNotFollowed() {
    String xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            + "<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel><item><g:id>&x;</g:id>"
            + "</item></channel></rss>";

    assertThatThrownBy(() -> read(FeedFormat.MERCHANT_CENTER_XML, text(xxe), null, false))
        .isInstanceOf(FeedUnreadable.class);
  }

  @Test
  void malformedXmlSaysWhere() {
    String broken =
        "<rss xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n<item><g:id>A</g:id>\n"
            + "<g:title>unclosed</item>";

    assertThatThrownBy(() -> read(FeedFormat.MERCHANT_CENTER_XML, text(broken), null, false))
        .isInstanceOf(FeedUnreadable.class)
        .hasMessageContaining("malformed XML")
        .satisfies(e -> assertThat(((FeedUnreadable) e).line()).isEqualTo(4));
  }

  @Test
  void shopifyExportIsOneProductPerHandleWithItsOptionsAndFirstImage() throws Exception {
    Collect c = read(FeedFormat.SHOPIFY_CSV, resource("shopify-products.csv"), null, true);

    assertThat(c.rows).extracting(r -> r.row().sku()).containsExactly("organic-tee", "canvas-tote");
    FeedIntake.Row tee = c.rows.get(0).row();
    assertThat(tee.title()).isEqualTo("Organic cotton T-shirt");
    assertThat(tee.description())
        .isEqualTo("Heavyweight crew neck , 100% organic cotton & recycled thread.");
    assertThat(tee.referenceImage().url())
        .isEqualTo("https://cdn.shopify.com/s/files/1/tee-navy.jpg?v=1700000000");
    assertThat(tee.attributes())
        .containsEntry("color", "Navy, Sand")
        .containsEntry("size", "M, L")
        .containsEntry("vendor", "Acme Apparel")
        .containsEntry("type", "T-Shirt");
    assertThat(c.rows.get(1).line()).isEqualTo(5);
    assertThat(c.rows.get(1).row().attributes()).doesNotContainKey("title");
  }

  @Test
  void ourCsvAndNdjsonReadLikeUploadsWithAMappingForOtherColumnNames() throws Exception {
    Collect csv =
        read(
            FeedFormat.CSV,
            text("product_id,name,attributes.color,price\r\nA-1,Mug,red,9.99\r\n"),
            Map.of("sku", "product_id", "title", "name"),
            false);
    assertThat(csv.rows).hasSize(1);
    assertThat(csv.rows.get(0).row().sku()).isEqualTo("A-1");
    assertThat(csv.rows.get(0).row().title()).isEqualTo("Mug");
    assertThat(csv.rows.get(0).row().attributes()).containsEntry("color", "red");

    Collect ndjson =
        read(
            FeedFormat.NDJSON,
            text(
                "{\"sku\":\"A-1\",\"title\":\"Mug\",\"attributes\":{\"color\":\"red\"},"
                    + "\"referenceImage\":{\"objectKey\":\"photos/a1.jpg\"},\"price\":9.99}\n"
                    + "\n"
                    + "not json\n"),
            null,
            false);
    assertThat(ndjson.rows).hasSize(1);
    assertThat(ndjson.rows.get(0).row().referenceImage().objectKey()).isEqualTo("photos/a1.jpg");
    assertThat(ndjson.rows.get(0).row().attributes())
        .containsEntry("color", "red")
        .containsEntry("price", "9.99");
    assertThat(ndjson.bad).extracting(Bad::line).containsExactly(3L);
  }

  @Test
  void aHeaderWithoutTheSkuColumnNamesTheMappingToSet() {
    assertThatThrownBy(() -> read(FeedFormat.CSV, text("id,title\r\n1,Mug\r\n"), null, false))
        .isInstanceOf(FeedUnreadable.class)
        .hasMessageContaining("fieldMapping.sku");
  }

  @Test
  void bytesThatAreNotUtf8MakeTheFeedUnreadable() {
    byte[] latin1 = "sku,title\r\nA,Caf\u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> read(FeedFormat.CSV, new ByteArrayInputStream(latin1), null, false))
        .isInstanceOf(FeedUnreadable.class)
        .hasMessageContaining("UTF-8");
  }
}
