package io.catalogimage.api.schedule;

import io.catalogimage.api.intake.FeedIntake;
import java.util.Map;

/**
 * A schedule as sent to {@code POST /v1/schedules} and {@code PUT /v1/schedules/{id}}. Unknown
 * fields are refused, so a typo fails loudly instead of silently running every night.
 *
 * @param name a name of yours
 * @param cron when it fires: a cron expression (minute hour day month weekday, e.g. {@code 0 2 * *
 *     *}), or leave it out and give {@code dailyAt}
 * @param dailyAt when it fires each day, {@code HH:mm} local time (e.g. {@code 01:30})
 * @param timeZone the zone of {@code cron}, {@code dailyAt} and {@code deadline}, e.g.
 *     Europe/Berlin (default UTC)
 * @param deadline local time each run should be done by, {@code HH:mm} (e.g. {@code 06:00}): the
 *     first such time after the run fires
 * @param source where the feed is: {@code {"url": "https://..."}} (optionally with {@code
 *     credentials}) or {@code {"objectKey": "feeds/catalog.csv"}} under your prefix in the bucket
 * @param format csv (default), ndjson, merchant-center-tsv, merchant-center-xml or shopify-csv
 * @param fieldMapping our field -> your column, for columns named otherwise, e.g. {@code {"sku":
 *     "product_id", "title": "name"}}; fields: sku, title, description, referenceImageUrl,
 *     referenceImageKey
 * @param imageLinkAsReference Merchant Center's image_link / Shopify's Image Src becomes each
 *     product's reference photo (default false: an attribute like any other)
 * @param batch the batch options of every run, as a submission's: tier, variants or variantPreset,
 *     altTextLocales, promptTemplate, styleGuide, lane (default scheduled), costCapUsd (per run),
 *     allowSafetyReroute, callbackUrl, generation (model settings: thinkingLevel, includeThoughts,
 *     googleSearch, outputFormat, quality, personGeneration, each checked against every model of
 *     the tier)
 * @param overlap when a run is due while the previous one is still open: skip (default) or
 *     queue-one
 * @param badRows skip (default: the run goes on without them, each reported by line) or reject (the
 *     whole run is refused)
 * @param holdWhenLost share of the last catalog's products a feed may lose before its run waits for
 *     confirmation (default 0.5; 1 never holds)
 * @param catchUp a firing missed while the service was down runs once when it is back, if its
 *     deadline can still be met (default true); false records it as missed
 * @param paused create it paused (default false)
 */
record ScheduleRequest(
    String name,
    String cron,
    String dailyAt,
    String timeZone,
    String deadline,
    SourceRequest source,
    String format,
    Map<String, String> fieldMapping,
    Boolean imageLinkAsReference,
    FeedIntake.Options batch,
    String overlap,
    String badRows,
    Double holdWhenLost,
    Boolean catchUp,
    Boolean paused) {

  /**
   * Where the feed is.
   *
   * @param url an https URL
   * @param objectKey a key under your prefix in the bucket (e.g. uploaded with PUT
   *     /v1/reference-images/{name}, or by your own S3 client)
   * @param credentials for the URL: {@code {"type": "basic", "username", "password"}}, {@code
   *     {"type": "bearer", "token"}}, either with {@code "secretRef"} instead of the secret (a
   *     secret the operator provides), or {@code {"type": "none"}}; left out on an update, the
   *     stored ones are kept while the URL's host stays the same. Never shown back.
   */
  record SourceRequest(String url, String objectKey, CredentialsRequest credentials) {}

  record CredentialsRequest(
      String type, String username, String password, String token, String secretRef) {}
}
