package io.catalogimage.simulator.png;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.models.Dimensions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageFactoryTest {
  private final ImageFactory images = new ImageFactory();

  @Test
  void png_decodes_to_exact_odd_dimensions() throws Exception {
    BufferedImage img = read(images.png(new Dimensions(333, 17), 1L));

    assertThat(img.getWidth()).isEqualTo(333);
    assertThat(img.getHeight()).isEqualTo(17);
  }

  @Test
  void different_palette_seeds_give_visibly_different_colours_for_the_same_pixels()
      throws Exception {
    Dimensions d = new Dimensions(64, 64);
    BufferedImage a = read(images.png(d, 1L));
    BufferedImage b = read(images.png(d, 987654321L));

    assertThat(a.getRGB(0, 0)).isNotEqualTo(b.getRGB(0, 0));
    assertThat(a.getRGB(32, 32)).isNotEqualTo(b.getRGB(32, 32));
  }

  @Test
  void same_size_reuses_the_encoded_pixels_and_only_changes_the_palette() {
    Dimensions d = new Dimensions(1024, 1024);
    byte[] a = images.png(d, 1L);
    byte[] b = images.png(d, 2L);

    assertThat(a).hasSameSizeAs(b);
    // signature + IHDR (33 bytes) then PLTE: only the 60-byte palette chunk differs.
    assertThat(Arrays.copyOfRange(a, 0, 33)).isEqualTo(Arrays.copyOfRange(b, 0, 33));
    assertThat(Arrays.copyOfRange(a, 93, a.length)).isEqualTo(Arrays.copyOfRange(b, 93, b.length));
  }

  @Test
  void jpeg_decodes_to_exact_dimensions() throws Exception {
    BufferedImage img = read(images.jpeg(new Dimensions(1536, 1024)));

    assertThat(img.getWidth()).isEqualTo(1536);
    assertThat(img.getHeight()).isEqualTo(1024);
  }

  private static BufferedImage read(byte[] bytes) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(bytes));
  }
}
