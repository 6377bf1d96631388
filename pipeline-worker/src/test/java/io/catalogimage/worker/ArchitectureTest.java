package io.catalogimage.worker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker's shape: each vendor's protocol stays in its own package behind the provider port, so
 * a vendor change never ripples into routing, ledger or storage code.
 */
class ArchitectureTest {

  private static JavaClasses worker;

  @BeforeAll
  static void importWorker() {
    worker =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.catalogimage.worker");
  }

  @Test
  void gemini_protocol_types_stay_in_the_gemini_package() {
    noClasses()
        .that()
        .resideOutsideOfPackage("..worker.provider.gemini..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.google.genai..", "..worker.provider.gemini..")
        .allowEmptyShould(true)
        .because("only the provider registry may name the Gemini client, and nothing else")
        .check(worker.that(notTheRegistry()));
  }

  @Test
  void openai_protocol_types_stay_in_the_openai_package() {
    noClasses()
        .that()
        .resideOutsideOfPackage("..worker.provider.openai..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.openai..", "..worker.provider.openai..")
        .allowEmptyShould(true)
        .check(worker.that(notTheRegistry()));
  }

  @Test
  void provider_clients_do_not_reach_into_the_pipeline() {
    noClasses()
        .that()
        .resideInAPackage("..worker.provider..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "..worker.run..",
            "..worker.ledger..",
            "..worker.claim..",
            "..worker.consume..",
            "..worker.routing..")
        .check(worker);
  }

  private static com.tngtech.archunit.base.DescribedPredicate<
          com.tngtech.archunit.core.domain.JavaClass>
      notTheRegistry() {
    return com.tngtech.archunit.base.DescribedPredicate.describe(
        "not the provider registry",
        c -> !c.getName().equals("io.catalogimage.worker.provider.Providers"));
  }
}
