package io.catalogimage.common.batch;

/**
 * One picture wanted of every product of a batch.
 *
 * @param name e.g. {@code listing}; part of the object key
 * @param aspectRatio e.g. {@code 1:1}, {@code 4:1}
 * @param size {@code 512}, {@code 1K}, {@code 2K} or {@code 4K}
 */
public record VariantSpec(String name, String aspectRatio, String size) {}
