package io.catalogimage.worker.alttext;

/**
 * What the text must name and must not repeat.
 *
 * @param title the product's title (its key terms are what "names the product" looks for)
 * @param category the product's category, if given (an attribute {@code category}, {@code
 *     product_type} or {@code google_product_category}), or null
 * @param prompt the product prompt as sent to the image model (the text must not echo it)
 */
public record Product(String title, String category, String prompt) {}
