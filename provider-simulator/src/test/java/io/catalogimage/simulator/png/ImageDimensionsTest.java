package io.catalogimage.simulator.png;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every model x imageSize x aspectRatio cell of the reference tables, over real HTTP: the PNG must
 * have exactly the tabulated size. Cells up to 2K are decoded with ImageIO; 4K cells are checked by
 * IHDR and by the inflated IDAT length, to keep the test's memory small.
 */
class ImageDimensionsTest {
  private static ProviderSimulator sim;
  private static SimClient client;

  @BeforeAll
  static void start() {
    sim = ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0).withoutPeak());
    client = new SimClient(sim);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static Stream<Arguments> cells() throws Exception {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                ImageDimensionsTest.class.getResourceAsStream("/reference-dimensions.txt"),
                StandardCharsets.UTF_8))) {
      List<String> lines = r.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
      return lines.stream()
          .map(l -> l.split(" "))
          .map(
              c -> {
                String[] wh = c[3].split("x");
                return Arguments.of(
                    c[0], c[1], c[2], Integer.parseInt(wh[0]), Integer.parseInt(wh[1]));
              });
    }
  }

  @Test
  void reference_table_has_all_96_cells() throws Exception {
    assertThat(cells()).hasSize(96);
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3}x{4}")
  @MethodSource("cells")
  void serves_a_png_of_exactly_the_tabulated_size(
      String model, String size, String ratio, int width, int height) throws Exception {
    SimClient.Reply reply =
        client.gemini(model, SimClient.image("A steel water bottle " + ratio, ratio, size));

    assertThat(reply.status()).isEqualTo(200);
    List<byte[]> images = reply.finalImages();
    assertThat(images).hasSize(1);
    byte[] png = images.get(0);
    PngTestSupport.Header header = PngTestSupport.read(png);
    assertThat(header.width()).isEqualTo(width);
    assertThat(header.height()).isEqualTo(height);
    assertThat(header.inflatedBytes()).isEqualTo(PngTestSupport.expectedLength4Bit(width, height));
    if (!size.equals("4K")) {
      BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
      assertThat(decoded.getWidth()).isEqualTo(width);
      assertThat(decoded.getHeight()).isEqualTo(height);
    }
  }
}
