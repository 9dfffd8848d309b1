import { UsageError } from './errors.js';

/** Longest command line accepted; anything longer is refused, not truncated. */
export const MAX_INPUT_LENGTH = 4000;

/** How much of a typed word is echoed back in a message: enough to recognise it, never a wall of text. */
export const ECHO_LIMIT = 40;

/** A word the user typed, cut to ECHO_LIMIT characters (with "…") for echoing back in a message. */
export function echoed(word: string, limit = ECHO_LIMIT): string {
  return word.length > limit ? `${word.slice(0, limit)}…` : word;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Already-split words (the CLI's argv) get the same checks as a typed line: the length limit, no control characters. */
export function assertCleanWords(words: string[]): string[] {
  const length = words.reduce((n, w) => n + w.length, Math.max(0, words.length - 1));
  if (length > MAX_INPUT_LENGTH) throw new UsageError(`That command is ${length} characters long; the limit is ${MAX_INPUT_LENGTH}.`);
  if (words.some((w) => CONTROL.test(w))) throw new UsageError('The command contains control characters; please retype it.');
  return words;
}

/**
 * Splits a command line into words: whitespace separates, "double" and 'single' quotes group,
 * a backslash escapes the next character inside double quotes or outside quotes. No shell expansion of any kind.
 */
export function tokenize(input: string): string[] {
  if (input.length > MAX_INPUT_LENGTH) {
    throw new UsageError(`That command is ${input.length} characters long; the limit is ${MAX_INPUT_LENGTH}.`);
  }
  // Control characters other than tab/newline have no business in a command (and can hide text in terminals).
  if (CONTROL.test(input)) {
    throw new UsageError('The command contains control characters; please retype it.');
  }
  // Chat clients like to turn straight quotes into curly ones; treat both alike.
  input = input.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < input.length) current += input[++i];
      else current += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < input.length) {
      current += input[++i];
      inWord = true;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`There is an unclosed ${quote === '"' ? 'double' : 'single'} quote in the command.`);
  if (inWord) words.push(current);
  return words;
}

export type FlagSpec =
  | { kind: 'boolean'; description: string }
  | { kind: 'string'; description: string; placeholder?: string; multiple?: boolean }
  | { kind: 'int'; description: string; placeholder?: string; min?: number; max?: number }
  | { kind: 'enum'; description: string; values: readonly string[]; multiple?: boolean }
  /** `--tag env=prod` (repeatable). */
  | { kind: 'pair'; description: string; placeholder?: string; multiple?: boolean };

export type FlagsSpec = Record<string, FlagSpec>;

type One<F extends FlagSpec> = F extends { kind: 'boolean' }
  ? boolean
  : F extends { kind: 'int' }
    ? number
    : F extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : F extends { kind: 'pair' }
        ? [string, string]
        : string;

export type FlagValues<S extends FlagsSpec> = {
  [K in keyof S]: S[K] extends { kind: 'boolean' } ? boolean : S[K] extends { multiple: true } ? One<S[K]>[] : One<S[K]> | undefined;
};

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
}

export interface Parsed<S extends FlagsSpec> {
  flags: FlagValues<S>;
  /** Positional words, in order. */
  args: string[];
}

/** The flags every command understands, whatever its spec. */
export const GLOBAL_FLAGS = new Set(['help', 'json']);

/**
 * Parses words against a flag spec: `--flag value`, `--flag=value`, `flag=value` (for known flags),
 * `--bool`, `--no-bool`. Unknown flags, missing values and bad numbers are UsageErrors that name the flag.
 */
export function parseArgs<S extends FlagsSpec>(words: string[], spec: S, positionals: PositionalSpec[] = [], opts: { restName?: string } = {}): Parsed<S> & { help: boolean; json: boolean } {
  const flags = new Map<string, unknown>();
  const args: string[] = [];
  let help = false;
  let json = false;
  const known = (name: string): FlagSpec | undefined => (Object.hasOwn(spec, name) ? spec[name] : undefined);

  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') {
      args.push(...words.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (word.startsWith('--') && word.length > 2) {
      const eq = word.indexOf('=');
      name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      inline = eq === -1 ? undefined : word.slice(eq + 1);
    } else if (word === '-h') {
      help = true;
      continue;
    } else {
      const eq = word.indexOf('=');
      if (eq > 0 && known(word.slice(0, eq))) {
        name = word.slice(0, eq);
        inline = word.slice(eq + 1);
      }
    }
    if (name === undefined) {
      args.push(word);
      continue;
    }
    if (name === 'help') { help = true; continue; }
    if (name === 'json') { json = true; continue; }
    let f = known(name);
    let negated = false;
    if (!f && name.startsWith('no-') && known(name.slice(3))?.kind === 'boolean') {
      f = known(name.slice(3));
      name = name.slice(3);
      negated = true;
    }
    if (!f) {
      const names = Object.keys(spec);
      throw new UsageError(
        `Unknown option \`--${echoed(name)}\`.` + (names.length ? ` Options: ${names.map((n) => `--${n}`).join(', ')}.` : ' This command takes no options.'),
      );
    }
    if (f.kind === 'boolean') {
      if (inline !== undefined && !/^(true|false|yes|no)$/i.test(inline)) throw new UsageError(`\`--${name}\` is a switch; use \`--${name}\` or \`--no-${name}\`.`);
      flags.set(name, negated ? false : inline === undefined ? true : /^(true|yes)$/i.test(inline));
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = words[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`\`--${name}\` needs a value.`);
      raw = next;
      i++;
    }
    const value = convert(name, f, raw);
    if ('multiple' in f && f.multiple) {
      const list = (flags.get(name) as unknown[] | undefined) ?? [];
      list.push(value);
      flags.set(name, list);
    } else {
      if (flags.has(name)) throw new UsageError(`\`--${name}\` was given twice.`);
      flags.set(name, value);
    }
  }

  const required = positionals.filter((p) => p.required);
  if (args.length < required.length && !help) {
    const missing = required.slice(args.length).map((p) => `<${p.name}>`).join(' ');
    throw new UsageError(`Missing ${missing}.`);
  }
  if (!opts.restName && args.length > positionals.length && !help) {
    const extra = args.slice(positionals.length);
    throw new UsageError(`Unexpected ${extra.length === 1 ? 'argument' : 'arguments'} ${extra.slice(0, 5).map((a) => `\`${echoed(a)}\``).join(' ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}.`);
  }

  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, f] of Object.entries(spec)) {
    if (flags.has(k)) out[k] = flags.get(k);
    else if (f.kind === 'boolean') out[k] = false;
    else if ('multiple' in f && f.multiple) out[k] = [];
    else out[k] = undefined;
  }
  return { flags: out as FlagValues<S>, args, help, json };
}

function convert(name: string, f: Exclude<FlagSpec, { kind: 'boolean' }>, raw: string): unknown {
  switch (f.kind) {
    case 'string':
      if (raw === '') throw new UsageError(`\`--${name}\` needs a value.`);
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw)) throw new UsageError(`\`--${name}\` must be a whole number, not \`${echoed(raw)}\`.`);
      const n = Number(raw);
      if (f.min !== undefined && n < f.min) throw new UsageError(`\`--${name}\` must be at least ${f.min}.`);
      if (f.max !== undefined && n > f.max) throw new UsageError(`\`--${name}\` must be at most ${f.max}.`);
      return n;
    }
    case 'enum': {
      const v = raw.toLowerCase();
      if (!f.values.includes(v)) throw new UsageError(`\`--${name}\` must be one of ${f.values.join(', ')}; got \`${echoed(raw)}\`.`);
      return v;
    }
    case 'pair': {
      const eq = raw.indexOf('=');
      if (eq <= 0) throw new UsageError(`\`--${name}\` takes key=value, e.g. \`--${name} env=prod\`; got \`${echoed(raw)}\`.`);
      return [raw.slice(0, eq), raw.slice(eq + 1)];
    }
  }
}
