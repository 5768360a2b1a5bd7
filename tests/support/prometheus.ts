/** One sample of a Prometheus text exposition: `name{label="value",…} 12.5`. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format (version 0.0.4); throws on a line that is neither a comment nor a sample. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL))
      labels[key] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const value = match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : Number(match[3]);
    // Values are parsed as Go's ParseFloat does: NaN in any case (prom-client writes `Nan`).
    if (Number.isNaN(value) && match[3].toLowerCase() !== 'nan') throw new Error(`not a number in: ${line}`);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** The one sample with this name whose labels include `labels`, or undefined if there is none; throws if several match. */
export function sampleOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample | undefined {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0];
}

/**
 * The value of the one sample with this name whose labels include `labels`. Throws, naming the metric and
 * the labels, if there is none: a renamed or never-exported metric must fail the test, never read as 0.
 */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const sample = sampleOf(samples, name, labels);
  if (!sample) throw new Error(`no sample of ${name} with labels ${JSON.stringify(labels)} in the exposition`);
  return sample.value;
}

/**
 * A counter's value in a scrape taken BEFORE the action under test: 0 when the labelled series does not
 * exist yet (prom-client exports a labelled counter only once it has been incremented). Never use it for
 * the scrape being asserted on; read that one with `valueOf`, which fails on a missing sample.
 */
export function counterBefore(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return sampleOf(samples, name, labels)?.value ?? 0;
}
