import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_LENGTH, parseArgs, tokenize } from '../../src/core/args.js';
import { UsageError } from '../../src/core/errors.js';

describe('tokenize', () => {
  it('splits on whitespace and keeps quoted values together', () => {
    expect(tokenize(`inventory --tag "team=data platform"  --region 'eu-west-1'`)).toEqual(['inventory', '--tag', 'team=data platform', '--region', 'eu-west-1']);
  });

  it('accepts the curly quotes chat clients substitute', () => {
    expect(tokenize('cost --by \u201ctag:cost center\u201d')).toEqual(['cost', '--by', 'tag:cost center']);
  });

  it('keeps escaped quotes and empty quoted values', () => {
    expect(tokenize(String.raw`say "a \"b\" c" ''`)).toEqual(['say', 'a "b" c', '']);
  });

  it('does no shell expansion of any kind', () => {
    expect(tokenize('inventory $(rm -rf /) `id` ; | > ~ *')).toEqual(['inventory', '$(rm', '-rf', '/)', '`id`', ';', '|', '>', '~', '*']);
  });

  it('refuses an unclosed quote, control characters and overlong input with a usage error', () => {
    expect(() => tokenize('inventory --tag "env=prod')).toThrow(/unclosed double quote/);
    expect(() => tokenize('inventory\u0000--json')).toThrow(/control characters/);
    expect(() => tokenize('x'.repeat(MAX_INPUT_LENGTH + 1))).toThrow(UsageError);
  });

  it('never throws anything but a UsageError, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => {
        try {
          const words = tokenize(s);
          expect(Array.isArray(words)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

const spec = {
  provider: { kind: 'enum', values: ['aws', 'azure', 'gcp'], multiple: true, description: '' },
  limit: { kind: 'int', min: 1, max: 500, description: '' },
  tag: { kind: 'pair', multiple: true, description: '' },
  refresh: { kind: 'boolean', description: '' },
  by: { kind: 'string', description: '' },
} as const;

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, key=value and switches', () => {
    const p = parseArgs(['--provider', 'aws', 'provider=GCP', '--limit=10', '--tag', 'env=prod', 'tag=team=a=b', '--refresh', 'by=region'], spec);
    expect(p.flags).toEqual({ provider: ['aws', 'gcp'], limit: 10, tag: [['env', 'prod'], ['team', 'a=b']], refresh: true, by: 'region' });
  });

  it('defaults switches to false and repeatables to empty lists', () => {
    expect(parseArgs([], spec).flags).toEqual({ provider: [], limit: undefined, tag: [], refresh: false, by: undefined });
  });

  it('keeps unknown key=value words as positionals', () => {
    const p = parseArgs(['name=web'], {}, [{ name: 'filter', description: '' }]);
    expect(p.args).toEqual(['name=web']);
  });

  it.each([
    [['--frob'], /Unknown option `--frob`/],
    [['--limit'], /`--limit` needs a value/],
    [['--limit', 'ten'], /must be a whole number/],
    [['--limit', '0'], /at least 1/],
    [['--limit', '9999'], /at most 500/],
    [['--provider', 'oracle'], /must be one of aws, azure, gcp/],
    [['--tag', 'env'], /takes key=value/],
    [['--by', 'a', '--by', 'b'], /given twice/],
    [['--refresh=maybe'], /is a switch/],
    [['extra'], /Unexpected argument `extra`/],
    [['--__proto__', 'x'], /Unknown option/],
    [['--constructor'], /Unknown option/],
  ])('refuses %j with a message that names the problem', (words, message) => {
    expect(() => parseArgs(words, spec)).toThrow(message);
  });

  it('requires required positionals, and recognises --help and --json anywhere', () => {
    expect(() => parseArgs([], {}, [{ name: 'instance', description: '', required: true }])).toThrow(/Missing <instance>/);
    const p = parseArgs(['--json', '--help'], {}, [{ name: 'instance', description: '', required: true }]);
    expect(p).toMatchObject({ help: true, json: true });
  });
});
