package io.catalogimage.worker.provider;

import io.catalogimage.common.model.ModelCatalog;
import java.util.regex.Pattern;

/**
 * Decides whether the {@code modelVersion} a provider reports is the model we asked for. Matches:
 * the same id, one of its aliases (a gateway may echo the {@code -preview} name), or the id plus a
 * {@code -NNN} revision suffix. Anything else is a silent downgrade. A missing modelVersion is not
 * held against the call (gateways often drop it).
 */
public final class ModelVersions {

  private static final Pattern REVISION = Pattern.compile("-\\d{3}$");

  private final ModelCatalog catalog;

  public ModelVersions(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  public boolean matches(String requestedModel, String servedVersion) {
    if (servedVersion == null || servedVersion.isBlank()) {
      return true;
    }
    String served =
        servedVersion.startsWith("models/") ? servedVersion.substring(7) : servedVersion;
    String base = REVISION.matcher(served).replaceFirst("");
    return catalog
        .find(requestedModel)
        .map(m -> m.answersTo(served) || m.answersTo(base))
        .orElse(requestedModel.equals(served) || requestedModel.equals(base));
  }
}
