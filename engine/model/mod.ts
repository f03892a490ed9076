/** Leaf types shared by every engine module: labels, matchers, samples, histograms, writes. */
export * from "./labels.ts";
export * from "./matcher.ts";
export * from "./value.ts";
export * from "./histogram.ts";
export * from "./write.ts";
export * from "./go_format.ts";
