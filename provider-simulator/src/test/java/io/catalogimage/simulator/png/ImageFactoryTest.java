package io.catalogimage.simulator.png;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.config.ImageSettings;
import io.catalogimage.simulator.models.Dimensions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.Deflater;
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

  @Test
  void realistic_png_has_the_asked_dimensions_and_bytes_per_pixel_and_does_not_compress()
      throws Exception {
    ImageFactory real = new ImageFactory(ImageSettings::realistic);
    Dimensions d = new Dimensions(1024, 768);

    byte[] png = Base64.getDecoder().decode(real.pngBase64(d, 1L));

    BufferedImage img = read(png);
    assertThat(img.getWidth()).isEqualTo(1024);
    assertThat(img.getHeight()).isEqualTo(768);
    assertThat(png.length / (double) (1024 * 768)).isBetween(1.4, 1.6);
    assertThat(deflated(png)).isGreaterThan((long) (png.length * 0.95));
  }

  @Test
  void realistic_png_follows_the_configured_bytes_per_pixel_and_is_encoded_once_per_size() {
    ImageFactory real = new ImageFactory(() -> ImageSettings.realistic().withPngBytesPerPixel(0.5));
    Dimensions d = new Dimensions(640, 480);

    byte[] first = real.pngBase64(d, 1L);
    byte[] again = real.pngBase64(d, 2L);

    assertThat(Base64.getDecoder().decode(first).length / (640.0 * 480)).isBetween(0.45, 0.55);
    assertThat(again).isSameAs(first);
  }

  @Test
  void realistic_jpeg_decodes_to_exact_dimensions_at_about_the_configured_size() throws Exception {
    ImageFactory real = new ImageFactory(ImageSettings::realistic);

    byte[] jpeg = Base64.getDecoder().decode(real.jpegBase64(new Dimensions(1024, 1024)));

    BufferedImage img = read(jpeg);
    assertThat(img.getWidth()).isEqualTo(1024);
    assertThat(jpeg.length / (1024.0 * 1024)).isBetween(0.2, 0.5);
  }

  @Test
  void small_mode_keeps_the_few_kilobyte_gradient() {
    byte[] png = Base64.getDecoder().decode(images.pngBase64(new Dimensions(1024, 1024), 1L));

    assertThat(png.length).isLessThan(20_000);
  }

  private static long deflated(byte[] bytes) {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
    d.setInput(bytes);
    d.finish();
    byte[] buf = new byte[64 * 1024];
    long n = 0;
    while (!d.finished()) {
      n += d.deflate(buf);
    }
    d.end();
    return n;
  }

  private static BufferedImage read(byte[] bytes) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(bytes));
  }
}
