package io.catalogimage.api.intake;

import io.catalogimage.api.intake.SubmitBatchRequest.ProductRequest;
import io.catalogimage.api.intake.SubmitBatchRequest.VariantRequest;
import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Intake for rows that come from a merchant's feed instead of a request body (scheduled runs): the
 * same option checks, the same row checks and the same streamed {@code COPY} into PostgreSQL as an
 * upload, so a feed row is held to exactly what an uploaded row is. Only the choice of rows
 * differs: a run stores the products that changed, and only the variants whose inputs changed.
 */
@Component
public class FeedIntake {

  /**
   * The batch options of a schedule, as its owner wrote them (a preset name, variants as {@code
   * name:aspectRatio:size} or objects, ...); checked like a submission's, {@code generation} (the
   * model settings every run passes through) included.
   */
  public record Options(
      String name,
      String tier,
      List<VariantOption> variants,
      String variantPreset,
      List<String> altTextLocales,
      String promptTemplate,
      String styleGuide,
      String lane,
      BigDecimal costCapUsd,
      Boolean allowSafetyReroute,
      String callbackUrl,
      GenerationSettings generation) {

    /** These options with a lane and a name where they set none. */
    public Options orDefaults(String defaultLane, String defaultName) {
      return new Options(
          name != null ? name : defaultName,
          tier,
          variants,
          variantPreset,
          altTextLocales,
          promptTemplate,
          styleGuide,
          lane != null ? lane : defaultLane,
          costCapUsd,
          allowSafetyReroute,
          callbackUrl,
          generation);
    }
  }

  /** One variant: {@code name}, {@code aspectRatio}, {@code size}. */
  public record VariantOption(String name, String aspectRatio, String size) {}

  /** Options that passed every check (the batch's deadline, if any, included). */
  public static final class Checked {
    private final ValidSubmission submission;

    private Checked(ValidSubmission submission) {
      this.submission = submission;
    }

    public BatchSpec spec() {
      return submission.spec();
    }

    public String tier() {
      return submission.tier();
    }

    public String lane() {
      return submission.lane();
    }

    public Instant deadline() {
      return submission.deadline();
    }
  }

  /** A feed row as read: the same fields as an uploaded item. */
  public record Row(
      String sku,
      String title,
      String description,
      Map<String, Object> attributes,
      ReferenceImageSource referenceImage) {}

  /** A row that passed the checks: what would be stored, and the prompt it renders to. */
  public static final class Product {
    private final ValidSubmission.Product product;

    private Product(ValidSubmission.Product product) {
      this.product = product;
    }

    public String sku() {
      return product.sku();
    }

    public String prompt() {
      return product.data().prompt();
    }

    public ReferenceImageSource referenceImage() {
      return product.data().referenceImage();
    }
  }

  /** The outcome of checking one row: a product, or the problems (with its line). */
  public record CheckedRow(Product product, List<FieldProblem> problems) {}

  private final SubmissionValidator validator;
  private final VariantPresets presets;
  private final IntakeRepository repository;
  private final BatchPlanner planner;

  FeedIntake(
      SubmissionValidator validator,
      VariantPresets presets,
      IntakeRepository repository,
      BatchPlanner planner) {
    this.validator = validator;
    this.presets = presets;
    this.repository = repository;
    this.planner = planner;
  }

  /**
   * Checks a schedule's batch options as a submission's (a 400 naming each bad field otherwise).
   *
   * @param deadline the batch's deadline, or null (when the schedule is saved)
   */
  public Checked check(TenantId tenant, Options o, Instant deadline) {
    SubmitBatchRequest request =
        new SubmitBatchRequest(
            o.name(),
            o.tier(),
            o.variants() == null
                ? null
                : o.variants().stream()
                    .map(
                        v ->
                            v == null
                                ? null
                                : new VariantRequest(v.name(), v.aspectRatio(), v.size()))
                    .toList(),
            o.variantPreset(),
            o.altTextLocales(),
            o.promptTemplate(),
            o.styleGuide(),
            o.lane(),
            deadline == null ? null : deadline.toString(),
            null,
            o.costCapUsd(),
            o.allowSafetyReroute(),
            o.callbackUrl(),
            null,
            o.generation());
    return new Checked(validator.validateOptions(presets.expand(tenant, request)));
  }

  /** Checks rows one at a time, as an upload's (duplicate SKUs across the feed included). */
  public final class RowChecker {
    private final SubmissionValidator.Rows rows;

    private RowChecker(Checked options) {
      this.rows = validator.rows(options.submission);
    }

    public CheckedRow check(long line, Row row) {
      Problems problems = validator.problems();
      ValidSubmission.Product product =
          rows.row(
              line,
              new ProductRequest(
                  row.sku(),
                  row.title(),
                  row.description(),
                  row.attributes(),
                  row.referenceImage()),
              problems);
      return product == null
          ? new CheckedRow(null, problems.listed())
          : new CheckedRow(new Product(product), List.of());
    }
  }

  public RowChecker rows(Checked options) {
    return new RowChecker(options);
  }

  /**
   * Opens a batch in the caller's transaction and streams products into it; {@link
   * BatchWriter#finish} makes the chosen items. Nothing is visible until the transaction commits.
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public BatchWriter open(TenantId tenant, BatchId batch, Checked options, Instant now) {
    repository.insertBatch(
        tenant, batch, options.submission, 0, 0, new BatchPlan(null, null, null), now);
    try {
      return new BatchWriter(tenant, batch, options.submission, repository.copyProducts(), now);
    } catch (SQLException e) {
      throw new IllegalStateException("could not open the batch's products", e);
    }
  }

  /** What a finished batch holds and its plan (ETA, and why the deadline is at risk). */
  public record Written(long products, long items, BatchPlan plan) {}

  /** Products streamed into one batch, each with the variants to make for it. */
  public final class BatchWriter implements AutoCloseable {
    private final TenantId tenant;
    private final BatchId batch;
    private final ValidSubmission options;
    private final CopyWriter copy;
    private final Instant now;
    private int[] masks = new int[1024];
    private int products;

    private BatchWriter(
        TenantId tenant, BatchId batch, ValidSubmission options, CopyWriter copy, Instant now) {
      this.tenant = tenant;
      this.batch = batch;
      this.options = options;
      this.copy = copy;
      this.now = now;
    }

    /**
     * Adds a product whose variants with a bit set in {@code variantMask} are to be made (bit i =
     * the i-th variant of the options).
     */
    public void add(Product product, int variantMask) {
      if (products == masks.length) {
        masks = Arrays.copyOf(masks, masks.length * 2);
      }
      masks[products] = variantMask;
      try {
        IntakeRepository.productRow(copy, tenant, batch, products, product.product);
      } catch (SQLException e) {
        throw new IllegalStateException("could not store the feed's products", e);
      }
      products++;
    }

    public int products() {
      return products;
    }

    /** Ends the products, makes the items, plans the batch (announcing a deadline at risk). */
    public Written finish() {
      try {
        copy.finish();
      } catch (SQLException e) {
        throw new IllegalStateException("could not store the feed's products", e);
      }
      int[] nos = new int[products];
      int[] chosen = Arrays.copyOf(masks, products);
      long planned = 0;
      for (int i = 0; i < products; i++) {
        nos[i] = i;
        planned += Integer.bitCount(chosen[i]);
      }
      BatchPlan plan = planner.plan(options, planned, now);
      repository.finishUploadedBatch(batch, options, products, planned, plan, now);
      int every = (1 << options.spec().variants().size()) - 1;
      boolean all = Arrays.stream(chosen).allMatch(m -> m == every);
      // every variant of every product (a first run): the upload's statement, no masks to join
      long items =
          all
              ? repository.expandItems(batch.value(), now)
              : repository.expandSelectedItems(batch.value(), now, nos, chosen);
      return new Written(products, items, plan);
    }

    @Override
    public void close() {
      try {
        copy.close();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
