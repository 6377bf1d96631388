package io.catalogimage.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The bundled sample feed ({@code sample-feed.csv}, 24 products) served from {@code
 * .local/feed/catalog.csv} as a shop's export URL, and a nightly schedule over it whose first
 * firing is a minute after start: what {@code ./pipeline up} and {@code ./pipeline demo schedule}
 * show.
 */
final class SampleSchedule {

  static final String FEED = "catalog.csv";

  private SampleSchedule() {}

  /** Copies the sample feed into the served directory (replacing an edited one). */
  static Path writeSampleFeed(Path dir) {
    try (InputStream in = SampleSchedule.class.getResourceAsStream("/sample-feed.csv")) {
      Files.createDirectories(dir);
      Path feed = dir.resolve(FEED);
      Files.write(feed, in.readAllBytes());
      return feed;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first whole minute at least a minute from now (UTC). */
  static ZonedDateTime firstFiring(Instant now) {
    return now.plusSeconds(60)
        .truncatedTo(ChronoUnit.MINUTES)
        .plusSeconds(60)
        .atZone(ZoneOffset.UTC);
  }

  /** Creates the schedule: daily at the first firing's time (UTC), due an hour later. */
  static JsonNode create(ApiClient api, FeedServer feeds, ZonedDateTime firing) {
    String json =
        """
        {"name": "sample-nightly", "dailyAt": "%s", "timeZone": "UTC", "deadline": "%s",
         "source": {"url": "%s"}, "format": "csv",
         "batch": {"tier": "fast",
                   "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"},
                                {"name": "banner", "aspectRatio": "4:1", "size": "2K"}],
                   "altTextLocales": ["en", "de"],
                   "promptTemplate": "Studio product photo of {{title}} in {{attributes.color}}, white background"}}
        """
            .formatted(hhmm(firing), hhmm(firing.plusHours(1)), feeds.url(FEED).toString());
    ApiClient.Answer created = api.post("/v1/schedules", json);
    if (created.status() != 201) {
      throw new IllegalStateException("the sample schedule was refused: " + created.body());
    }
    return created.body();
  }

  /**
   * The feed the next night: three products renamed, two new, the last one gone (and every price
   * changed, which no prompt reads: not a change that costs an image).
   */
  static void changeFeed(Path feed) {
    try {
      List<String> lines = new ArrayList<>(Files.readAllLines(feed, StandardCharsets.UTF_8));
      List<String> next = new ArrayList<>();
      next.add(lines.get(0));
      for (int i = 1; i < lines.size() - 1; i++) {
        String line = lines.get(i).replaceAll(",([0-9]+)\\.00 EUR$", ",$1.50 EUR");
        if (i <= 3) {
          int comma = line.indexOf(',');
          line = line.substring(0, comma + 1) + "New season " + line.substring(comma + 1);
        }
        next.add(line);
      }
      next.add(
          "NW-301,Recycled wool beanie,Rib-knit beanie from recycled wool.,heather grey,recycled wool,24.00 EUR");
      next.add(
          "NW-302,Enamel camping mug,Steel mug with a speckled enamel finish.,forest green,enamel,18.00 EUR");
      Files.write(feed, (String.join("\n", next) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hhmm(ZonedDateTime t) {
    return String.format("%02d:%02d", t.getHour(), t.getMinute());
  }
}
